import { AtlassianApiError } from '../errors/api-errors.js';
import { AtlassianError } from '../errors/atlassian.error.js';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { atlassianProvider, loadAtlassianProfile } from '../providers/atlassian.provider.js';
import { bitbucketProvider, loadBitbucketProfile } from '../providers/bitbucket.provider.js';
import { ProviderHttpError } from '../providers/provider-http.js';
import type { ProviderProfile } from '../providers/provider-profile.interface.js';
import { describeProviderFailure } from '../strategies/oauth-flow.support.js';
import type { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import type { LinkedAccountProvider } from './entities/linked-account.entity.js';

/** What reading a stored account's profile again needs. */
export interface ProfileFetchContext {
  tokens: AtlassianTokenService;
  options: NormalizedAtlassianOptions;
  now: () => Date;
}

/**
 * Reads an account's profile again with its own token, taken from the token service so the refresh
 * rules hold (one refresh per rotation). A token the provider refuses is refreshed once and the read
 * retried: a refusal of the fresh token means no token can read it, and says so with
 * {@link AtlassianReauthRequiredError}, as the token service does when the consent is gone.
 */
export async function fetchAccountProfile(
  context: ProfileFetchContext,
  account: { id: string; provider: LinkedAccountProvider; providerAccountId: string },
): Promise<ProviderProfile> {
  const profile = await readWithRefresh(context, account);
  if (profile.providerAccountId !== account.providerAccountId) {
    // Never store another person's data on this row, whatever the provider answered.
    throw new AtlassianApiError(
      { product: account.provider, method: 'GET', path: sourceOf(account.provider).path },
      undefined,
      "the provider answered with another account's profile; nothing was stored",
    );
  }
  return profile;
}

async function readWithRefresh(
  context: ProfileFetchContext,
  account: { id: string; provider: LinkedAccountProvider },
): Promise<ProviderProfile> {
  const { tokens, options } = context;
  const target = { accountId: account.id };
  const provider = sourceOf(account.provider);
  const settings = account.provider === 'bitbucket' ? options.bitbucket : options.atlassian;
  if (!settings) {
    throw new AtlassianOptionsError(
      'bitbucket',
      `is missing: account ${account.id} is a Bitbucket account, whose profile only the Bitbucket consumer's settings can read.`,
    );
  }
  const read = (token: string) =>
    provider.load(settings.apiBaseURL, token, options.httpTimeoutMs, context.now);
  try {
    return await read(await tokens.getAccessToken(target));
  } catch (err) {
    if (!isTokenRefusal(err)) throw toProfileReadError(err, account.provider, provider.path);
  }
  try {
    return await read(await tokens.forceRefresh(target));
  } catch (err) {
    if (!isTokenRefusal(err)) throw toProfileReadError(err, account.provider, provider.path);
    throw new AtlassianReauthRequiredError(
      account.id,
      account.provider,
      `${provider.path} refused a freshly refreshed token with HTTP ${err.status}`,
    );
  }
}

/** Where each provider keeps the profile, and the call that reads it. */
function sourceOf(provider: LinkedAccountProvider) {
  return provider === 'bitbucket'
    ? { path: bitbucketProvider.userPath, load: loadBitbucketProfile }
    : { path: atlassianProvider.mePath, load: loadAtlassianProfile };
}

/** 401 (or Bitbucket's 403): the token, not the service, was refused. */
function isTokenRefusal(err: unknown): err is ProviderHttpError {
  return err instanceof ProviderHttpError && (err.status === 401 || err.status === 403);
}

/** The token service's own errors pass as they are; a failed read becomes a 502 API error. */
function toProfileReadError(err: unknown, provider: LinkedAccountProvider, path: string): Error {
  if (err instanceof AtlassianError) return err;
  const status = err instanceof ProviderHttpError ? err.status : undefined;
  return new AtlassianApiError(
    { product: provider, method: 'GET', path },
    status,
    `the profile could not be read (${describeProviderFailure(err)}); try again later`,
    { cause: err, status: 502 },
  );
}
