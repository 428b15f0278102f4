import { createHmac } from 'node:crypto';

/** A compact JWS signed with HMAC-SHA256 (`alg: HS256`): how Jira signs deliveries to a 3LO app's webhooks. */
export function signHs256Jwt(claims: Record<string, unknown>, secret: string): string {
  const encode = (value: unknown): string =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode(claims)}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

/** Bitbucket's `X-Hub-Signature` value: `sha256=` and the hex HMAC-SHA256 of the exact body. */
export function hubSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}
