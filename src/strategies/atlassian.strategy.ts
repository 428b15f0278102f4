import {
  atlassianProvider,
  loadAtlassianProfile,
  loadAtlassianSites,
} from '../providers/atlassian.provider.js';
import { OAuthProviderStrategy } from './oauth-provider.strategy.js';

/**
 * Passport strategy `atlassian`: OAuth 2.0 (3LO) with S256 PKCE, `audience` and `prompt=consent`,
 * then `/me` and the accessible sites. Use it through `AtlassianAuthGuard`.
 * @internal
 */
export class AtlassianStrategy extends OAuthProviderStrategy({
  id: 'atlassian',
  displayName: atlassianProvider.displayName,
  settings: (options) => options.atlassian,
  authorizationParams: atlassianProvider.authorizationParams,
  tokenRequestStyle: atlassianProvider.tokenRequestStyle,
  loadProfile: (settings, token, timeoutMs, now) =>
    loadAtlassianProfile(settings.apiBaseURL, token, timeoutMs, now),
  loadSites: (settings, token, timeoutMs) =>
    loadAtlassianSites(settings.apiBaseURL, token, timeoutMs),
}) {}
