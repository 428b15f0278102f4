import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { bitbucketProvider, loadBitbucketProfile } from '../providers/bitbucket.provider.js';
import { OAuthProviderStrategy } from './oauth-provider.strategy.js';

/**
 * Passport strategy `bitbucket`: Bitbucket Cloud's OAuth 2.0 (HTTP Basic client authentication, form
 * bodies, no PKCE), then `/2.0/user` and the confirmed primary email. Use it through `BitbucketAuthGuard`.
 * @internal
 */
export class BitbucketStrategy extends OAuthProviderStrategy({
  id: 'bitbucket',
  displayName: bitbucketProvider.displayName,
  settings: (options) => {
    if (!options.bitbucket)
      throw new AtlassianOptionsError(
        'bitbucket',
        'is missing: give { clientId, clientSecret, callbackURL } of your Bitbucket OAuth consumer.',
      );
    return options.bitbucket;
  },
  authorizationParams: bitbucketProvider.authorizationParams,
  tokenRequestStyle: bitbucketProvider.tokenRequestStyle,
  loadProfile: (settings, token, timeoutMs, now) =>
    loadBitbucketProfile(settings.apiBaseURL, token, timeoutMs, now),
  loadSites: async () => null,
}) {}
