import type { EmulatorTokenResponse } from '../emulator.types.js';
import { safeEqual } from '../oauth/emulator-credentials.js';
import type { TokenSuccess } from '../oauth/emulator-token-store.js';
import { oauthFailure, type OAuthFailure } from '../oauth/oauth-outcome.js';
import type { AtlassianState } from './atlassian-state.js';

/** A client id and secret as a token request presented them (body fields or HTTP Basic). */
export interface PresentedClient {
  clientId?: string;
  secret?: string;
}

/**
 * An unknown client id: live answers are a 400 `invalid_client` (n8n's Atlassian service-account
 * credential, tested against auth.atlassian.com); the description is the emulator's own.
 */
export const UNKNOWN_SERVICE_ACCOUNT = oauthFailure(400, 'invalid_client', 'Unknown client');

/** A known credential with the wrong secret (RFC 6749 5.2); the description is the emulator's own. */
export const WRONG_SERVICE_ACCOUNT_SECRET = oauthFailure(
  401,
  'invalid_client',
  'Client authentication failed',
);

/**
 * The client credentials grant of a service account's OAuth 2.0 credential: a token for its fixed scopes,
 * valid for `accessTokenTtlSeconds`, never with a refresh token. No `audience` is needed; a `scope` is
 * refused (`invalid_scope`), as auth.atlassian.com does, since the org admin fixed the scopes.
 */
export function clientCredentialsGrant(
  atlassian: AtlassianState,
  { clientId, secret }: PresentedClient,
  fields: Record<string, string>,
): TokenSuccess<EmulatorTokenResponse> | OAuthFailure {
  const account = atlassian.serviceAccounts.get(clientId);
  if (!account) return UNKNOWN_SERVICE_ACCOUNT;
  if (secret === undefined || !safeEqual(secret, account.clientSecret))
    return WRONG_SERVICE_ACCOUNT_SECRET;
  if (fields.scope !== undefined) {
    return oauthFailure(
      400,
      'invalid_scope',
      "A service account's scopes are fixed on its credential: send no scope",
    );
  }
  return atlassian.tokens.createGrant(
    {
      clientId: account.clientId,
      accountId: account.accountId,
      scopes: account.scopes,
      consentedAtMs: atlassian.clock.nowMs(),
    },
    'client_credentials',
  );
}
