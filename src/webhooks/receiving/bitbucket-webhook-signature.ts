import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';
import { bitbucketWebhookProtocol } from './webhook-protocol.js';

const SIGNATURE = /^sha256=([0-9a-fA-F]{64})$/;

/**
 * Checks Bitbucket's `X-Hub-Signature: sha256=<hex>` against the HMAC-SHA256 of the exact bytes
 * received, keyed with the hook's secret, in constant time. Throws 401 `webhook_signature_invalid`.
 */
export function verifyBitbucketSignature(
  header: string | undefined,
  rawBody: Buffer,
  secret: string,
): void {
  if (header === undefined)
    throw refused(
      `The delivery has no ${bitbucketWebhookProtocol.signature} header: the hook was registered with a secret, so Bitbucket signs every delivery.`,
    );
  const match = SIGNATURE.exec(header);
  if (!match)
    throw refused(
      `The ${bitbucketWebhookProtocol.signature} header is not "${bitbucketWebhookProtocol.signaturePrefix}<64 hex digits>".`,
    );
  const expected = createHmac('sha256', secret).update(rawBody).digest();
  if (!timingSafeEqual(expected, Buffer.from(match[1], 'hex')))
    throw refused("The signature does not match the body and the hook's secret.");
}

function refused(message: string): AtlassianWebhookError {
  return new AtlassianWebhookError(
    AtlassianErrorCode.WebhookSignatureInvalid,
    HttpStatus.UNAUTHORIZED,
    message,
  );
}
