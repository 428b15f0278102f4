import { createHash, randomBytes, randomFillSync, randomUUID, timingSafeEqual } from 'node:crypto';

/** Mints the opaque strings both authorization servers hand out; each provider sizes its own tokens. */

function base64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url');
}

const JWT_HEADER = base64url(JSON.stringify({ kid: 'emulator', alg: 'RS256', typ: 'JWT' }));
const NONCE_BYTES = 48;

/**
 * Random bytes for tokens, drawn from OpenSSL a block at a time: each call into it costs several
 * times what a token's few hundred bytes do, and a sweep mints two tokens per refresh.
 */
const randomPool = Buffer.alloc(64 * 1024);
let randomPoolUsed = randomPool.length;

/** `size` fresh random bytes, a view valid until the next call (encode it before calling again). */
function randomSlice(size: number): Buffer {
  if (size > randomPool.length) return randomBytes(size);
  if (randomPoolUsed + size > randomPool.length) {
    randomFillSync(randomPool);
    randomPoolUsed = 0;
  }
  randomPoolUsed += size;
  return randomPool.subarray(randomPoolUsed - size, randomPoolUsed);
}

/**
 * A JWT-looking string with random content; nothing can be learnt from it but it has dots like the real
 * thing. Its length follows `randomByteCount`, so a provider can mimic its real tokens and a column too short
 * for them fails in tests.
 */
export function mintJwtLike(
  kind: string,
  randomByteCount: number,
  iss = 'https://auth.atlassian.com',
): string {
  const random = randomSlice(NONCE_BYTES + randomByteCount);
  const nonce = base64url(random.subarray(0, NONCE_BYTES));
  const payload = base64url(JSON.stringify({ jti: randomUUID(), iss, kind, nonce }));
  return `${JWT_HEADER}.${payload}.${base64url(random.subarray(NONCE_BYTES))}`;
}

/** An authorization code (JWT-like, well over 300 characters). */
export function mintAuthorizationCode(): string {
  return mintJwtLike('code', 192);
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
