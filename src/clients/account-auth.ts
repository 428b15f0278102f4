import type { AccountLinkService } from '../accounts/account-link.service.js';
import type { AccountViews } from '../accounts/account-views.js';
import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import type { LinkedAccountView } from '../accounts/linked-account.view.js';
import { AccountNotLinkedError } from '../errors/token-errors.js';
import type { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import type { TokenTarget } from '../tokens/token-target.js';
import type { ApiAuth } from './api-request.executor.js';

/** The linked account a client calls for, and whether it came from memory. */
export interface ResolvedAccount {
  account: LinkedAccountView;
  /** True when the view was read from memory; `fresh` reads it from the database. */
  cached: boolean;
}

/**
 * The linked account of `provider` a client calls for, through {@link AccountViews} (`fresh`: from the
 * database whatever is in memory); throws when there is none.
 */
export async function resolveAccount(
  accounts: AccountLinkService,
  views: AccountViews,
  target: TokenTarget,
  provider: LinkedAccountProvider,
  fresh = false,
): Promise<ResolvedAccount> {
  const key = 'accountId' in target ? target.accountId : `${provider}:${target.userId}`;
  const { view: account, cached } = await views.get(
    key,
    () =>
      'accountId' in target
        ? accounts.findById(target.accountId)
        : accounts.findForUser(target.userId, provider),
    fresh,
  );
  if (!account || account.provider !== provider)
    throw new AccountNotLinkedError(
      'accountId' in target ? `${provider} account ${target.accountId}` : provider,
    );
  return { account, cached };
}

/** Bearer auth for one account through the token service (so a 401's refresh is still exactly once). */
export function accountAuth(
  tokens: AtlassianTokenService,
  clientId: string,
  accountId: string,
  grantedScopes: string[],
  onSiteRejected?: ApiAuth['onSiteRejected'],
): ApiAuth {
  const target = { accountId };
  return {
    clientId,
    cachedToken: () => tokens.cachedAccessToken(target),
    getToken: () => tokens.getAccessToken(target),
    forceRefresh: () => tokens.forceRefresh(target),
    grantedScopes: () => grantedScopes,
    onSiteRejected,
  };
}
