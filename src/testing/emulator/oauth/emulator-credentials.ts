import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';

/** Mints the opaque strings the emulator hands out; lengths mimic Atlassian's so short columns fail early. */

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

/** A JWT-looking string with random content; nothing can be learnt from it but it has dots like the real thing. */
function jwtLike(
  kind: string,
  randomByteCount: number,
  iss = 'https://auth.atlassian.com',
): string {
  const header = base64url(JSON.stringify({ kid: 'emulator', alg: 'RS256', typ: 'JWT' }));
  const payload = base64url(
    JSON.stringify({ jti: randomUUID(), iss, kind, nonce: base64url(randomBytes(48)) }),
  );
  return `${header}.${payload}.${base64url(randomBytes(randomByteCount))}`;
}

/** An authorization code (JWT-like, well over 300 characters). */
export function mintAuthorizationCode(): string {
  return jwtLike('code', 192);
}

/** An access token (JWT-like, over 1000 characters). */
export function mintAccessToken(): string {
  return jwtLike('access', 768);
}

/** A refresh token (JWT-like, several hundred characters). */
export function mintRefreshToken(): string {
  return jwtLike('refresh', 384);
}

/** A Bitbucket access token: over 2,500 characters, as Bitbucket's are since May 2026. */
export function mintBitbucketAccessToken(): string {
  return jwtLike('access', 1920, 'https://bitbucket.org');
}

/** A Bitbucket refresh token: over 2,500 characters too. */
export function mintBitbucketRefreshToken(): string {
  return jwtLike('refresh', 1920, 'https://bitbucket.org');
}

/** An id for a pending consent page or a grant. */
export function mintId(): string {
  return randomUUID();
}

/** RFC 7636 verifier syntax: 43 to 128 unreserved characters. */
export function isValidCodeVerifier(verifier: string): boolean {
  return /^[A-Za-z0-9\-._~]{43,128}$/.test(verifier);
}

/** True when `verifier` hashes (S256) to `challenge`. */
export function verifiesS256(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash('sha256').update(verifier).digest('base64url'));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}

/** Constant-time string comparison, for client secrets. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}
