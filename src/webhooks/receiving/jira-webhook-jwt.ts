import { createHmac, timingSafeEqual } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';
import { jiraWebhookProtocol } from './webhook-protocol.js';

/** The claims of a verified delivery JWT; `exp` is the only one Jira's documentation lets us rely on. */
export interface JiraWebhookClaims {
  exp: number;
  [claim: string]: unknown;
}

/** What the verifier needs besides the header: the secrets that may have signed it, and the time. */
export interface JiraJwtCheck {
  /** The app's client secret first, then `webhooks.previousClientSecrets`. */
  secrets: readonly string[];
  nowMs: number;
  clockToleranceMs: number;
}

const BEARER = /^Bearer ([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;
const SHA256_BYTES = 32;

/**
 * Verifies the `Authorization: Bearer <JWT>` of a Jira delivery with node:crypto alone: the header
 * must say exactly HS256 (so `none`, HS512, RS256 and any other are refused before any key is used),
 * the signature must be an HMAC-SHA256 by one of `secrets`, compared in constant time, and `exp` must
 * be present and not past. Atlassian documents no other claim for OAuth 2.0 apps' webhooks (no `qsh`,
 * no documented `iss` or `aud`), so none is required: a check real deliveries could fail would drop
 * them. `nbf`, when present, is honoured as RFC 7519 says. Errors never quote the token.
 */
export function verifyJiraWebhookJwt(
  authorization: string | undefined,
  check: JiraJwtCheck,
): JiraWebhookClaims {
  if (authorization === undefined)
    throw refused(
      'The delivery has no Authorization header: Jira signs every delivery with a JWT.',
    );
  const parts = BEARER.exec(authorization);
  if (!parts)
    throw refused('The Authorization header is not "Bearer <JWT>" with three base64url parts.');
  const [, encodedHeader, encodedClaims, encodedSignature] = parts;
  const header = decodeJson(encodedHeader, 'header');
  if (header.alg !== jiraWebhookProtocol.algorithm)
    throw refused(
      `The JWT must be signed with ${jiraWebhookProtocol.algorithm}; its header says otherwise.`,
    );
  if (header.typ !== undefined && header.typ !== 'JWT')
    throw refused('The JWT header has a "typ" other than JWT.');
  if (header.crit !== undefined)
    throw refused('The JWT header has "crit" extensions, which this verifier does not support.');
  const signature = decodeBase64url(encodedSignature, 'signature');
  const signed = `${encodedHeader}.${encodedClaims}`;
  const signedByOne = check.secrets
    .map((secret) => createHmac('sha256', secret).update(signed).digest())
    .map((expected) => signature.length === SHA256_BYTES && timingSafeEqual(expected, signature))
    .includes(true);
  if (!signedByOne)
    throw refused(
      'The JWT signature does not match the client secret (nor a webhooks.previousClientSecrets entry).',
    );
  const claims = decodeJson(encodedClaims, 'claims');
  if (typeof claims.exp !== 'number' || !Number.isFinite(claims.exp))
    throw refused('The JWT has no numeric "exp" claim.');
  if (check.nowMs > claims.exp * 1000 + check.clockToleranceMs) {
    throw new AtlassianWebhookError(
      AtlassianErrorCode.WebhookSignatureExpired,
      HttpStatus.UNAUTHORIZED,
      'The JWT expired (its "exp" is past, beyond webhooks.clockToleranceMs): a delivery replayed late, or a clock far off.',
    );
  }
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number' || check.nowMs + check.clockToleranceMs < claims.nbf * 1000)
      throw refused('The JWT is not valid yet (its "nbf" is in the future).');
  }
  return claims as JiraWebhookClaims;
}

function decodeJson(encoded: string, part: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(decodeBase64url(encoded, part).toString('utf8'));
  } catch (err) {
    if (err instanceof AtlassianWebhookError) throw err;
    throw refused(`The JWT ${part} is not JSON.`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw refused(`The JWT ${part} is not a JSON object.`);
  return value as Record<string, unknown>;
}

/** Strict base64url: Node's decoder skips stray characters, so the bytes must encode back to the same text. */
function decodeBase64url(encoded: string, part: string): Buffer {
  const bytes = Buffer.from(encoded, 'base64url');
  if (bytes.toString('base64url') !== encoded) throw refused(`The JWT ${part} is not base64url.`);
  return bytes;
}

function refused(message: string): AtlassianWebhookError {
  return new AtlassianWebhookError(
    AtlassianErrorCode.WebhookSignatureInvalid,
    HttpStatus.UNAUTHORIZED,
    message,
  );
}
