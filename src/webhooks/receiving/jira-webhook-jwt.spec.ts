import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';
import { verifyJiraWebhookJwt } from './jira-webhook-jwt.js';

const NOW_MS = Date.UTC(2026, 10, 1);
const NOW = NOW_MS / 1000;
const check = {
  secrets: ['current-secret', 'previous-secret'],
  nowMs: NOW_MS,
  clockToleranceMs: 30_000,
};

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

function jwt(
  claims: object,
  secret = 'current-secret',
  header: object = { alg: 'HS256', typ: 'JWT' },
  algorithm = 'sha256',
) {
  const signed = `${b64(header)}.${b64(claims)}`;
  return `${signed}.${createHmac(algorithm, secret).update(signed).digest('base64url')}`;
}

function refusal(authorization: string | undefined): string {
  try {
    verifyJiraWebhookJwt(authorization, check);
  } catch (err) {
    expect(err).toBeInstanceOf(AtlassianWebhookError);
    expect((err as AtlassianWebhookError).getStatus()).toBe(401);
    expect((err as AtlassianWebhookError).message).not.toContain(
      authorization?.slice(7, 40) ?? '\0',
    );
    return (err as AtlassianWebhookError).code;
  }
  throw new Error('accepted');
}

describe('verifyJiraWebhookJwt', () => {
  const valid = { iat: NOW - 10, exp: NOW + 60 };

  it('accepts HS256 by the client secret or a previous one, and returns the claims', () => {
    expect(verifyJiraWebhookJwt(`Bearer ${jwt(valid)}`, check)).toEqual(valid);
    expect(verifyJiraWebhookJwt(`Bearer ${jwt(valid, 'previous-secret')}`, check)).toEqual(valid);
    expect(
      verifyJiraWebhookJwt(`Bearer ${jwt(valid, 'current-secret', { alg: 'HS256' })}`, check),
    ).toEqual(valid);
  });

  it('accepts an exp within the clock tolerance, refuses one beyond it', () => {
    expect(verifyJiraWebhookJwt(`Bearer ${jwt({ exp: NOW - 29 })}`, check)).toBeDefined();
    expect(refusal(`Bearer ${jwt({ exp: NOW - 31 })}`)).toBe('webhook_signature_expired');
  });

  it.each([
    ['no header', undefined],
    ['another scheme', `Basic ${b64('a:b')}`],
    ['two parts', `Bearer ${b64({ alg: 'HS256' })}.${b64(valid)}`],
    ['garbage', 'Bearer not-a-token'],
    ['another secret', `Bearer ${jwt(valid, 'someone-else')}`],
    ['alg none, no signature', `Bearer ${b64({ alg: 'none' })}.${b64(valid)}.`],
    ['alg none, a signature', `Bearer ${jwt(valid, 'current-secret', { alg: 'none' })}`],
    [
      'HS512 by the right secret',
      `Bearer ${jwt(valid, 'current-secret', { alg: 'HS512' }, 'sha512')}`,
    ],
    ['RS256 header', `Bearer ${jwt(valid, 'current-secret', { alg: 'RS256' })}`],
    ['lower-case alg', `Bearer ${jwt(valid, 'current-secret', { alg: 'hs256' })}`],
    ['crit extension', `Bearer ${jwt(valid, 'current-secret', { alg: 'HS256', crit: ['x'] })}`],
    ['header not JSON', `Bearer ${b64('{alg')}.${b64(valid)}.${b64('x')}`],
    ['header an array', `Bearer ${jwt(valid, 'current-secret', ['HS256'])}`],
    ['claims not JSON', `Bearer ${jwt('nope' as unknown as object)}`],
    ['no exp', `Bearer ${jwt({ iat: NOW })}`],
    ['exp a string', `Bearer ${jwt({ exp: String(NOW + 60) })}`],
    ['nbf in the future', `Bearer ${jwt({ exp: NOW + 600, nbf: NOW + 300 })}`],
    ['signature altered', `Bearer ${jwt(valid).slice(0, -2)}AA`],
    [
      'claims altered',
      `Bearer ${jwt(valid).replace(/\.[^.]+\./, `.${b64({ exp: NOW + 9999 })}.`)}`,
    ],
    ['non-canonical base64url', `Bearer ${jwt(valid)}=`],
  ])('refuses %s as webhook_signature_invalid', (_case, header) => {
    expect(refusal(header)).toBe('webhook_signature_invalid');
  });
});
