import type { AccountLinkService } from '../accounts/account-link.service.js';
import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import type { LinkedAccountView } from '../accounts/linked-account.view.js';
import { AccountNotLinkedError } from '../errors/token-errors.js';
import type { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import type { TokenTarget } from '../tokens/token-target.js';
import type { ApiAuth } from './api-request.executor.js';

/** The linked account of `provider` a client calls for; throws when there is none. */
export async function resolveAccount(
  accounts: AccountLinkService,
  target: TokenTarget,
  provider: LinkedAccountProvider,
): Promise<LinkedAccountView> {
  const account =
    'accountId' in target
      ? await accounts.findById(target.accountId)
      : await accounts.findForUser(target.userId, provider);
  if (!account || account.provider !== provider)
    throw new AccountNotLinkedError(
      'accountId' in target ? `${provider} account ${target.accountId}` : provider,
    );
  return account;
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
    getToken: () => tokens.getAccessToken(target),
    forceRefresh: () => tokens.forceRefresh(target),
    grantedScopes: () => grantedScopes,
    onSiteRejected,
  };
}
