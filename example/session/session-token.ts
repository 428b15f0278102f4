import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * The demo's own sign-in token: `base64url({ sub, exp }).base64url(HMAC-SHA256)`. Anyone holding the
 * same secret (another demo process on the same database) accepts it; nobody else can forge one.
 */
export function signSessionToken(
  userId: string,
  secret: string,
  maxAgeSeconds: number,
  nowMs = Date.now(),
): string {
  const payload = Buffer.from(
    JSON.stringify({ sub: userId, exp: Math.floor(nowMs / 1000) + maxAgeSeconds }),
  ).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

/** The user id in a token this secret signed and that has not expired, else `undefined`. */
export function verifySessionToken(
  token: string,
  secret: string,
  nowMs = Date.now(),
): string | undefined {
  const [payload, signature, extra] = token.split('.');
  if (!payload || !signature || extra !== undefined) return undefined;
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
  try {
    const { sub, exp } = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      sub?: unknown;
      exp?: unknown;
    };
    return typeof sub === 'string' && sub !== '' && typeof exp === 'number' && exp * 1000 > nowMs
      ? sub
      : undefined;
  } catch {
    return undefined;
  }
}

function mac(payload: string, secret: string): string {
  return createHmac('sha256', secret).update(payload).digest('base64url');
}
