import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';

/**
 * How long before expiry a token counts as due: the configured skew, but never more than half
 * the token's own lifetime, so that short-lived tokens are not refreshed on every call.
 */
export function effectiveSkewMs(
  account: Pick<LinkedAccount, 'accessTokenExpiresAt' | 'lastRefreshedAt'>,
  skewMs: number,
): number {
  const { accessTokenExpiresAt: expiresAt, lastRefreshedAt: issuedAt } = account;
  if (!expiresAt || !issuedAt) return skewMs;
  return Math.min(skewMs, Math.max(0, (expiresAt.getTime() - issuedAt.getTime()) / 2));
}

/** True while the access token can be handed out without a refresh (unknown expiry counts as fresh). */
export function isFresh(
  account: Pick<LinkedAccount, 'accessTokenExpiresAt' | 'lastRefreshedAt'>,
  now: Date,
  skewMs: number,
): boolean {
  const expiresAt = account.accessTokenExpiresAt;
  return !expiresAt || expiresAt.getTime() - now.getTime() > effectiveSkewMs(account, skewMs);
}

/** True while the access token has not expired at all (still usable during a provider outage). */
export function isUnexpired(
  account: Pick<LinkedAccount, 'accessTokenExpiresAt'>,
  now: Date,
): boolean {
  return !account.accessTokenExpiresAt || account.accessTokenExpiresAt.getTime() > now.getTime();
}

/** Exponential backoff with full jitter on the upper half, or the provider's Retry-After when longer. */
export function nextAttemptAt(
  now: Date,
  failureCount: number,
  baseMs: number,
  maxMs: number,
  retryAfterMs?: number,
): Date {
  const exponential = Math.min(maxMs, baseMs * 2 ** Math.max(0, failureCount - 1));
  const jittered = exponential / 2 + Math.random() * (exponential / 2);
  return new Date(now.getTime() + Math.max(jittered, retryAfterMs ?? 0));
}
