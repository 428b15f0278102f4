export { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';
export { AtlassianOptionsError } from './atlassian-options.error.js';
export { OAuthCallbackError, OAuthProviderError } from './oauth-callback.error.js';
export { AccountOwnedByAnotherUserError } from './account-conflict.error.js';
export { AtlassianAccountInactiveError } from './account-inactive.error.js';
export { AtlassianConsentRequiredError } from './consent-required.error.js';
export { TokenCipherError } from './token-cipher.error.js';
export { AtlassianServiceAccountError } from './service-account.error.js';
export {
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenStoreError,
} from './token-errors.js';
export {
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  AtlassianSiteSelectionError,
  type ApiCallTarget,
} from './api-errors.js';
export { AtlassianWebhookError } from './webhook.error.js';
export {
  AtlassianWebhookRegistrationError,
  type WebhookRegistrationErrorCode,
} from './webhook-registration.error.js';
