import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { verifyBitbucketSignature } from './bitbucket-webhook-signature.js';

const body = Buffer.from('{"push":{"changes":[]}}');
const sign = (bytes: Buffer, secret = 'hook-secret') =>
  `sha256=${createHmac('sha256', secret).update(bytes).digest('hex')}`;

describe('verifyBitbucketSignature', () => {
  it('accepts the HMAC-SHA256 of the exact body with the secret (hex in either case)', () => {
    expect(() => verifyBitbucketSignature(sign(body), body, 'hook-secret')).not.toThrow();
    expect(() =>
      verifyBitbucketSignature(`sha256=${sign(body).slice(7).toUpperCase()}`, body, 'hook-secret'),
    ).not.toThrow();
  });

  it.each([
    ['missing', undefined],
    ['another secret', sign(body, 'other')],
    ['a body changed by one byte', sign(Buffer.from('{"push":{"changes":[ ]}}'))],
    ['sha1', `sha1=${createHmac('sha1', 'hook-secret').update(body).digest('hex')}`],
    ['truncated', sign(body).slice(0, -2)],
    ['no prefix', sign(body).slice(7)],
  ])('refuses a signature that is %s with 401 webhook_signature_invalid', (_case, header) => {
    expect(() => verifyBitbucketSignature(header, body, 'hook-secret')).toThrow(
      expect.objectContaining({ code: 'webhook_signature_invalid', status: 401 }),
    );
  });
});
