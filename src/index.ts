// The public API. Anything else under src/ is internal; the README's "Exports" list is checked
// against this file (src/index.spec.ts).

// The module and its options.
export { AtlassianModule } from './atlassian.module.js';
export type {
  AtlassianModuleForRootOptions,
  AtlassianModuleAsyncOptions,
} from './atlassian.module-definition.js';
export type {
  AtlassianModuleOptions,
  AtlassianOptionsFactory,
  AtlassianProviderOptions,
  BitbucketProviderOptions,
  OAuthClientOptions,
  EncryptionKeyInput,
  ResolveUser,
  ResolveUserContext,
  GetCurrentUserId,
  StateCookieOptions,
  TokenOptions,
  RefreshSchedulerOptions,
  PersonalDataReportingOptions,
  ApiClientOptions,
  RateLimitBehaviour,
  ServiceAccountCredentials,
  WebhookOptions,
} from './options/atlassian-module-options.interface.js';
export { InjectAtlassianOptions } from './options/inject-atlassian-options.decorator.js';
export type { AppRequest } from './http/app-request.interface.js';
export type { ResolvedAtlassianOptions } from './options/normalized-options.interface.js';
export { AtlassianClock } from './clock/atlassian-clock.js';

// Sign-in, linking and the scope guard.
export { AtlassianAuthGuard } from './guards/atlassian-auth.guard.js';
export { BitbucketAuthGuard } from './guards/bitbucket-auth.guard.js';
export { RequireAtlassianScopes } from './guards/require-atlassian-scopes.decorator.js';
export { AccountLinkService, type AtlassianIdentity } from './accounts/account-link.service.js';
export type {
  AuthenticatedUser,
  LinkedAccountView,
  SiteView,
} from './accounts/linked-account.view.js';
export type { ProviderProfile } from './providers/provider-profile.interface.js';
export type { AtlassianProfile } from './providers/atlassian-profile.js';
export type { BitbucketProfile } from './providers/bitbucket-profile.js';

// Storage: entities and migrations.
export {
  AtlassianSite,
  LinkedAccount,
  PersonalDataReport,
  ServiceAccountToken,
  WebhookRegistration,
  WebhookDeliveryRecord,
  atlassianEntities,
  type LinkedAccountProvider,
  type LinkedAccountStatus,
} from './accounts/entities/index.js';
export {
  atlassianMigrations,
  CreateAtlassianAccounts1795420000000,
  RateLimitPauses1795700000000,
  ServiceAccountTokens1795800000000,
  WebhookRegistrations1795900000000,
  WebhookDeliveries1795950000000,
  StoredProfiles1796000000000,
  PersonalDataReports1796100000000,
  AccountLastUsed1796200000000,
  DropLeaseOwnerIndexes1796300000000,
  ZonedTimestamps1795500000000,
  BuiltInUuidDefaults1795600000000,
} from './accounts/migrations/index.js';
export { useZonedTimestamps } from './accounts/zoned-timestamps.js';

// Tokens: on demand, on a schedule, key rotation, events.
export { AtlassianTokenService, type TokenStatus } from './tokens/atlassian-token.service.js';
export type { TokenTarget } from './tokens/token-target.js';
export {
  TokenRefreshScheduler,
  type RefreshSweepResult,
} from './tokens/token-refresh.scheduler.js';
export {
  TokenKeyRotationService,
  type CiphertextCount,
  type ReencryptionResult,
} from './tokens/token-key-rotation.service.js';
export {
  AtlassianEvents,
  type AccountClosedEvent,
  type AccountEvent,
  type ConsentExpiringEvent,
  type ProfileUpdatedEvent,
  type ReauthRequiredEvent,
  type TokenRefreshedEvent,
  type TokenRefreshFailedEvent,
  type WebhookRegistrationStoppedEvent,
} from './events/atlassian-events.js';

// Personal data: Atlassian's reporting, erasure and profile refresh.
export {
  PersonalDataReporter,
  type PersonalDataReportSummary,
} from './privacy/personal-data-reporter.js';
export type { PersonalDataReportOutcome } from './privacy/personal-data-report.entity.js';

// Calling Jira, Confluence and Bitbucket.
export { AtlassianApiClient, type AtlassianAccountApi } from './clients/atlassian-api.client.js';
export type { AtlassianServiceAccountApi } from './clients/service-accounts/service-account-api.js';
export { BitbucketApiClient } from './clients/bitbucket-api.client.js';
export { ProductClient, type ApiCallOptions } from './clients/product-client.js';
export type { QueryValue } from './clients/pagination.js';
export type { RateLimitBudget } from './clients/rate-limits/rate-limit-budgets.js';
export { isEligible, type AtlassianProduct, type SiteSelector } from './clients/site-selection.js';
export { createJiraJsClient } from './adapters/jira-js.adapter.js';
export { createConfluenceJsClient } from './adapters/confluence-js.adapter.js';
export type { BearerClientConfig } from './adapters/bearer-client-config.js';

// Receiving webhooks.
export {
  JiraWebhookEndpoint,
  BitbucketWebhookEndpoint,
  VerifiedWebhookDelivery,
} from './webhooks/receiving/webhook-endpoint.decorators.js';
export {
  AtlassianWebhookEvents,
  type AtlassianWebhookEvent,
  type BitbucketWebhookEvent,
  type JiraWebhookEvent,
  type JiraWebhookPayload,
  type WebhookAccount,
  type WebhookDeliveryEventBase,
} from './webhooks/receiving/webhook-events.js';
export type { WebhookDeliveryStatus } from './webhooks/deliveries/webhook-delivery.entity.js';
// Webhooks: registering and keeping them alive.
export {
  AtlassianWebhookService,
  type RegisterJiraWebhookInput,
  type RegisterBitbucketWebhookInput,
} from './webhooks/registrations/atlassian-webhook.service.js';
export type { WebhookRegistrationView } from './webhooks/registrations/webhook-registration.view.js';
export type { WebhookRegistrationStatus } from './webhooks/registrations/webhook-registration.entity.js';
export {
  WebhookRenewalScheduler,
  type WebhookRenewalResult,
} from './webhooks/renewal/webhook-renewal.scheduler.js';

// Errors and their codes.
export {
  AtlassianError,
  AtlassianErrorCode,
  AtlassianOptionsError,
  OAuthCallbackError,
  OAuthProviderError,
  AccountOwnedByAnotherUserError,
  AtlassianAccountInactiveError,
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenStoreError,
  TokenCipherError,
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  AtlassianSiteSelectionError,
  AtlassianServiceAccountError,
  AtlassianConsentRequiredError,
  AtlassianWebhookError,
  AtlassianWebhookRegistrationError,
  type WebhookRegistrationErrorCode,
  type ApiCallTarget,
} from './errors/index.js';

/**
 * @internal Plumbing of this repository's own tests (the options token, the cipher that seeds and
 * reads stored tokens, the real clock); left out of the published declarations.
 */
export { ATLASSIAN_OPTIONS } from './atlassian.constants.js';
/** @internal */
export type { NormalizedAtlassianOptions } from './options/normalized-options.interface.js';
/** @internal */
export { SystemClock } from './clock/atlassian-clock.js';
/** @internal */
export { TokenCipher, tokenBinding, webhookSecretBinding } from './crypto/token-cipher.js';
