import type { SiteView } from '../../accounts/linked-account.view.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { OAuthProviderError } from '../../errors/oauth-callback.error.js';
import { AtlassianServiceAccountError } from '../../errors/service-account.error.js';
import type { ServiceAccountCredentials } from '../../options/atlassian-module-options.interface.js';
import type { NormalizedProviderOptions } from '../../options/normalized-options.interface.js';
import { atlassianProvider, loadAtlassianSites } from '../../providers/atlassian.provider.js';
import { postTokenRequest, ProviderHttpError } from '../../providers/provider-http.js';
import { toTokenSet } from '../../providers/token-response.js';
import { describeProviderFailure } from '../../strategies/oauth-flow.support.js';

/** A new service-account token, and what it reaches. */
export interface ServiceAccountGrant {
  accessToken: string;
  accessTokenExpiresAt: Date | null;
  scopes: string[];
  sites: SiteView[];
}

/**
 * Asks the token endpoint for a service account's token (client credentials) and reads the sites it
 * reaches. A refused credential is {@link AtlassianServiceAccountError} (never retried: a wrong secret
 * stays wrong); an endpoint that fails or cannot be reached is `oauth_provider_unavailable`.
 */
export async function requestServiceAccountToken(
  name: string,
  credentials: ServiceAccountCredentials,
  atlassian: NormalizedProviderOptions,
  timeoutMs: number,
  now: Date,
): Promise<ServiceAccountGrant> {
  let tokens;
  try {
    const raw = await postTokenRequest(
      atlassian.tokenURL,
      atlassianProvider.serviceAccountTokenParams,
      { provider: atlassianProvider.id, ...credentials },
      atlassianProvider.tokenRequestStyle,
      timeoutMs,
    );
    tokens = toTokenSet(raw, now);
  } catch (err) {
    if (err instanceof ProviderHttpError && err.kind === 'refused') {
      throw new AtlassianServiceAccountError(
        AtlassianErrorCode.ServiceAccountRefused,
        name,
        `Atlassian refused the credential of service account "${name}" (${describeProviderFailure(err)}): check serviceAccounts.${name}.clientId and clientSecret against the credential in Atlassian Administration.`,
        { cause: err },
      );
    }
    throw unavailable(name, 'token endpoint', err);
  }
  let sites: SiteView[];
  try {
    sites = await loadAtlassianSites(atlassian.apiBaseURL, tokens.accessToken, timeoutMs);
  } catch (err) {
    throw unavailable(name, 'accessible-resources', err);
  }
  return {
    accessToken: tokens.accessToken,
    accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    scopes: tokens.scopes,
    sites,
  };
}

function unavailable(name: string, what: string, err: unknown): OAuthProviderError {
  return new OAuthProviderError(
    AtlassianErrorCode.ProviderUnavailable,
    `Could not get a token for service account "${name}": Atlassian's ${what} failed (${describeProviderFailure(err)}). Try again later.`,
    { cause: err },
  );
}
