export { AtlassianModule } from './atlassian.module.js';
export { AtlassianClock, SystemClock } from './clock/atlassian-clock.js';
export { ATLASSIAN_OPTIONS, REQUIRED_ATLASSIAN_SCOPES } from './atlassian.constants.js';
export {
  MODULE_OPTIONS_TOKEN as ATLASSIAN_MODULE_OPTIONS,
  OPTIONS_TYPE as AtlassianModuleForRootOptions,
  ASYNC_OPTIONS_TYPE as AtlassianModuleAsyncOptions,
} from './atlassian.module-definition.js';
export type {
  AtlassianModuleOptions,
  AtlassianProviderOptions,
  BitbucketProviderOptions,
  OAuthClientOptions,
  EncryptionKeyInput,
  GetCurrentUserId,
  ResolveUser,
  ResolveUserContext,
  StateCookieOptions,
  TokenOptions,
  RefreshSchedulerOptions,
  ApiClientOptions,
  AtlassianOptionsFactory,
} from './options/atlassian-module-options.interface.js';
export { InjectAtlassianOptions } from './options/inject-atlassian-options.decorator.js';
export type {
  EncryptionKey,
  NormalizedAtlassianOptions,
  NormalizedProviderOptions,
} from './options/normalized-options.interface.js';
export { AtlassianStrategy } from './strategies/atlassian.strategy.js';
export { AtlassianAuthGuard } from './guards/atlassian-auth.guard.js';
export { BitbucketAuthGuard } from './guards/bitbucket-auth.guard.js';
export { ProviderAuthGuard } from './guards/provider-auth.guard.js';
export { BitbucketStrategy } from './strategies/bitbucket.strategy.js';
export { BitbucketApiClient } from './clients/bitbucket-api.client.js';
export { bitbucketProvider } from './providers/bitbucket.provider.js';
export { AtlassianScopesGuard } from './guards/atlassian-scopes.guard.js';
export { RequireAtlassianScopes } from './guards/require-atlassian-scopes.decorator.js';
export { AtlassianApiClient, type AtlassianAccountApi } from './clients/atlassian-api.client.js';
export { ProductClient, type ApiCallOptions } from './clients/product-client.js';
export type { QueryValue } from './clients/pagination.js';
export {
  isEligible,
  selectSite,
  type AtlassianProduct,
  type SiteSelector,
} from './clients/site-selection.js';
export {
  AccountLinkService,
  type AtlassianIdentity,
  type CompleteSignInInput,
} from './accounts/account-link.service.js';
export {
  AtlassianSite,
  LinkedAccount,
  atlassianEntities,
  type LinkedAccountProvider,
  type LinkedAccountStatus,
} from './accounts/entities/index.js';
export {
  atlassianMigrations,
  CreateAtlassianAccounts1795420000000,
  ZonedTimestamps1795500000000,
} from './accounts/migrations/index.js';
export { useZonedTimestamps } from './accounts/zoned-timestamps.js';
export type {
  AuthenticatedUser,
  LinkedAccountView,
  SiteView,
} from './accounts/linked-account.view.js';
export type {
  ProviderProfile,
  SiteData,
  TokenSet,
} from './providers/provider-profile.interface.js';
export { atlassianProvider } from './providers/atlassian.provider.js';
export { TokenCipher, tokenBinding, type CipherPurpose } from './crypto/token-cipher.js';
export {
  TokenKeyRotationService,
  type CiphertextCount,
  type ReencryptionResult,
} from './tokens/token-key-rotation.service.js';
export { AtlassianTokenService, type TokenStatus } from './tokens/atlassian-token.service.js';
export type { TokenTarget } from './tokens/token-target.js';
export {
  TokenRefreshScheduler,
  type RefreshSweepResult,
} from './tokens/token-refresh.scheduler.js';
export {
  AtlassianEvents,
  type AccountEvent,
  type ConsentExpiringEvent,
  type ReauthRequiredEvent,
  type TokenRefreshedEvent,
  type TokenRefreshFailedEvent,
} from './events/atlassian-events.js';
export type { OAuthFlowState } from './state/oauth-flow-state.interface.js';
export {
  AtlassianError,
  AtlassianErrorCode,
  AtlassianOptionsError,
  OAuthCallbackError,
  OAuthProviderError,
  AccountOwnedByAnotherUserError,
  TokenCipherError,
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenStoreError,
  AtlassianConsentRequiredError,
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  AtlassianSiteSelectionError,
  type ApiCallTarget,
} from './errors/index.js';
export { createJiraJsClient } from './adapters/jira-js.adapter.js';
export { createConfluenceJsClient } from './adapters/confluence-js.adapter.js';
