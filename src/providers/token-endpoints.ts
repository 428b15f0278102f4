import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { atlassianProvider } from './atlassian.provider.js';
import { bitbucketProvider } from './bitbucket.provider.js';
import type { TokenRequestStyle } from './provider-http.js';
import type { TokenLifecycleRules } from './token-lifecycle-rules.js';

/** What refreshing a provider's tokens needs: where, as whom, how, and the provider's lifecycle rules. */
export interface TokenEndpoint {
  provider: LinkedAccountProvider;
  displayName: string;
  tokenURL: string;
  clientId: string;
  clientSecret: string;
  style: TokenRequestStyle;
  /** Which refusals are final, how long tokens and consents live. */
  lifecycle: TokenLifecycleRules;
}

/** The token endpoints of the configured providers, by provider id. */
export function tokenEndpointsOf(
  options: NormalizedAtlassianOptions,
): Map<LinkedAccountProvider, TokenEndpoint> {
  const endpoints = new Map<LinkedAccountProvider, TokenEndpoint>();
  for (const [settings, provider] of [
    [options.atlassian, atlassianProvider],
    [options.bitbucket, bitbucketProvider],
  ] as const) {
    if (!settings) continue;
    endpoints.set(provider.id, {
      provider: provider.id,
      displayName: provider.displayName,
      tokenURL: settings.tokenURL,
      clientId: settings.clientId,
      clientSecret: settings.clientSecret,
      style: provider.tokenRequestStyle,
      lifecycle: provider.lifecycle,
    });
  }
  return endpoints;
}
