import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';

/** Which linked account a token is for: by its id, or an app user's account of a provider. */
export type TokenTarget =
  { accountId: string } | { userId: string; provider: LinkedAccountProvider };

/** A stable string for a target, for caches and single flight. */
export function targetKey(target: TokenTarget): string {
  return 'accountId' in target
    ? `id:${target.accountId}`
    : `user:${target.provider}:${target.userId}`;
}
