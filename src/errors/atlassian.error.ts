import { HttpException, HttpStatus } from '@nestjs/common';

/**
 * Every stable error code this package can throw; match on `error.code`, never on the message.
 *
 * The prefix names the area: `oauth_` a sign-in that could not complete, `account_` linking,
 * `token_` (and `reauth_required`, older than the scheme) stored tokens, `atlassian_` calls to Jira,
 * Confluence and Bitbucket, the scope guard, and the options checked at boot, `webhook_` webhook
 * registrations and deliveries to the app's webhook routes. Each code says the class that carries it
 * and the status a client gets; the README's table is checked against this.
 */
export const AtlassianErrorCode = {
  // Sign-in: the login and callback routes (nothing is stored).

  /** 401, {@link OAuthCallbackError}: the user declined on the provider's consent page. */
  AccessDenied: 'oauth_access_denied',
  /** 400, {@link OAuthCallbackError}: the provider sent back another `error=` to the callback. */
  AuthorizationError: 'oauth_authorization_error',
  /**
   * 400, {@link OAuthCallbackError}: a sign-in route got a request it cannot take: a repeated
   * parameter, the callback's parameters on the login route; 405 for a method other than GET.
   */
  InvalidRequest: 'oauth_invalid_request',
  /** 400, {@link OAuthCallbackError}: the login route's `?scope=` named a scope outside `atlassian.incrementalScopes`. */
  ScopeNotAllowed: 'oauth_scope_not_allowed',
  /** 400, {@link OAuthCallbackError}: the callback has no `code` parameter. */
  MissingCode: 'oauth_missing_code',
  /** 400, {@link OAuthCallbackError}: no state cookie (expired, blocked, another browser, used once). */
  StateCookieMissing: 'oauth_state_cookie_missing',
  /** 400, {@link OAuthCallbackError}: the `state` parameter is missing or not this browser's. */
  StateMismatch: 'oauth_state_mismatch',
  /** 400, {@link OAuthCallbackError}: the state cookie was altered or made with another key. */
  StateInvalid: 'oauth_state_invalid',
  /** 400, {@link OAuthCallbackError}: the sign-in took longer than `stateCookie.maxAgeSeconds`. */
  StateExpired: 'oauth_state_expired',
  /** 400, {@link OAuthCallbackError}: the same callback was used twice. */
  StateReplayed: 'oauth_state_replayed',
  /** 403, {@link OAuthCallbackError}: a link started by one app user was finished by another. */
  LinkUserMismatch: 'oauth_link_user_mismatch',
  /** 400, {@link OAuthCallbackError}: the provider refused the code (reused, expired, wrong verifier). */
  CodeRejected: 'oauth_code_rejected',
  /** 502, {@link OAuthProviderError}: the token endpoint failed or timed out. */
  ProviderUnavailable: 'oauth_provider_unavailable',
  /** 502, {@link OAuthProviderError}: the profile (`/me`, `/2.0/user`) or the sites could not be read. */
  ProfileFetchFailed: 'oauth_profile_fetch_failed',
  /**
   * 403, {@link AtlassianAccountInactiveError}: `requireActiveAccount` is on and the provider reports the
   * account's `account_status` as other than `active`; nothing is stored.
   */
  AccountInactive: 'atlassian_account_inactive',

  // Accounts: who owns which provider account.

  /** 409, {@link AccountOwnedByAnotherUserError}: link mode, the account belongs to another app user. */
  AccountOwnedByAnotherUser: 'account_owned_by_another_user',
  /** 404, {@link AccountNotLinkedError}: no linked account for a token request or an API call. */
  AccountNotLinked: 'account_not_linked',

  // Tokens: refreshing, storing and decrypting them.

  /** 401, {@link AtlassianReauthRequiredError}: the provider refused the refresh token; connect again. */
  ReauthRequired: 'reauth_required',
  /** 503, {@link AtlassianTokenRefreshError}: a refresh failed for a reason that may pass; tokens kept. */
  TokenRefreshFailed: 'token_refresh_failed',
  /** 503, {@link AtlassianTokenStoreError}: the database holding the accounts did not answer. */
  TokenStoreUnavailable: 'token_store_unavailable',
  /**
   * {@link TokenCipherError}, never an HTTP answer (a client sees a bare 500): a ciphertext that fails
   * authentication (altered, another key of the same id, moved from another row or column).
   */
  CiphertextInvalid: 'token_ciphertext_invalid',
  /**
   * {@link TokenCipherError}, never an HTTP answer (a client sees a bare 500): a ciphertext under a key
   * id that is not in `encryptionKeys`; put the key back after the new one.
   */
  UnknownEncryptionKey: 'token_unknown_encryption_key',

  // API calls: Jira, Confluence and Bitbucket through the API clients.

  /** The upstream 4xx, else 502, {@link AtlassianApiError}: a call failed (status, message, target). */
  ApiError: 'atlassian_api_error',
  /** 403, {@link AtlassianScopeError}: "scope does not match"; the user must consent to more scopes. */
  ScopeMissing: 'atlassian_scope_missing',
  /** 429, {@link AtlassianRateLimitError}: rate limited beyond the retry budget (`retryAt`). */
  RateLimited: 'atlassian_rate_limited',
  /**
   * 500, {@link AtlassianApiError}: a path, absolute URL or paging link that leaves the product's API
   * base (another host, scheme, port or site); refused before anything was sent.
   */
  ForeignURL: 'atlassian_foreign_url',
  /** 400, {@link AtlassianSiteSelectionError}: several eligible sites and none chosen (lists them). */
  SiteRequired: 'atlassian_site_required',
  /** 404, {@link AtlassianSiteSelectionError}: the chosen site is not one of the eligible sites. */
  SiteNotFound: 'atlassian_site_not_found',
  /** 500, {@link AtlassianServiceAccountError}: `forServiceAccount(name)` names no configured service account. */
  ServiceAccountUnknown: 'atlassian_service_account_unknown',
  /**
   * 500, {@link AtlassianServiceAccountError}: the token endpoint refused the service account's
   * credential (wrong or revoked client id or secret); not retried, nothing stored.
   */
  ServiceAccountRefused: 'atlassian_service_account_refused',

  // The scope guard (`@RequireAtlassianScopes`).

  /** 403, {@link AtlassianConsentRequiredError}: scopes missing; the body has the `consentUrl`. */
  ScopesRequired: 'atlassian_scopes_required',
  /** 403, {@link AtlassianConsentRequiredError}: no active Atlassian account; `consentUrl` links one. */
  AccountRequired: 'atlassian_account_required',

  // Webhooks: deliveries from Jira and Bitbucket to the app's webhook routes (a refused one is not recorded).

  /**
   * 401, {@link AtlassianWebhookError}: the delivery is not signed as it must be: no or malformed
   * `Authorization` JWT, an algorithm other than HS256, a signature by no configured client secret;
   * for Bitbucket no or a wrong `X-Hub-Signature`, or a hook (`X-Hook-UUID`) with no stored secret.
   */
  WebhookSignatureInvalid: 'webhook_signature_invalid',
  /** 401, {@link AtlassianWebhookError}: the Jira JWT's `exp` passed, beyond `webhooks.clockToleranceMs`. */
  WebhookSignatureExpired: 'webhook_signature_expired',
  /** 413, {@link AtlassianWebhookError}: the body is larger than `webhooks.maxBodyBytes`. */
  WebhookPayloadTooLarge: 'webhook_payload_too_large',
  /**
   * 400, {@link AtlassianWebhookError}: a signed delivery the module cannot take: no delivery id or
   * event header, or a body that is not a JSON object.
   */
  WebhookDeliveryInvalid: 'webhook_delivery_invalid',
  /** 409, {@link AtlassianWebhookError}: another instance is handling the same delivery id now; the provider retries. */
  WebhookDeliveryInProgress: 'webhook_delivery_in_progress',
  /** 500, {@link AtlassianWebhookError}: a handler of the delivery's event (or the route) failed; the retry is handled. */
  WebhookHandlerFailed: 'webhook_handler_failed',
  /** 503, {@link AtlassianWebhookError}: the database did not record the delivery (claim or completion); the provider retries. */
  WebhookStoreUnavailable: 'webhook_store_unavailable',
  /**
   * 500, {@link AtlassianWebhookError}: the app is not set up to receive webhooks: no raw body (create the
   * app with `rawBody: true`), or no `EventEmitterModule.forRoot()` to hand deliveries to.
   */
  WebhookReceiverMisconfigured: 'webhook_receiver_misconfigured',
  // Webhooks: registering them (`AtlassianWebhookService`).

  /**
   * 409, {@link AtlassianWebhookRegistrationError}: the account already has 5 active Jira webhooks on
   * that site (Jira's limit per app, user and site); refused before calling Jira. Remove one first.
   */
  WebhookLimitReached: 'webhook_limit_reached',
  /** 500, {@link AtlassianWebhookRegistrationError}: `webhooks.jiraUrl` (or `bitbucketUrl`) is not configured. */
  WebhookUrlMissing: 'webhook_url_missing',
  /**
   * 403, {@link AtlassianWebhookRegistrationError}: the account's grant lacks the webhook scopes (Jira:
   * `manage:jira-webhook` and `read:jira-work`, or the granular ones; Bitbucket: `webhook`); lists them.
   */
  WebhookScopesMissing: 'webhook_scopes_missing',
  /** 400, {@link AtlassianWebhookRegistrationError}: the provider refused the registration (events, JQL); its errors attached. */
  WebhookRejected: 'webhook_rejected',
  /** 404, {@link AtlassianWebhookRegistrationError}: no webhook registration has that id. */
  WebhookRegistrationNotFound: 'webhook_registration_not_found',

  // Boot.

  /** {@link AtlassianOptionsError}, thrown at boot: the message names the option and the fix. */
  InvalidOptions: 'atlassian_invalid_options',
} as const;

/** One of the values of {@link AtlassianErrorCode}. */
export type AtlassianErrorCode = (typeof AtlassianErrorCode)[keyof typeof AtlassianErrorCode];

/**
 * Base of the errors this package throws (all but {@link TokenCipherError}). It is an
 * `HttpException` so that an error reaching Nest's exception filter answers with the right status
 * and a body `{ statusCode, code, message }`; errors that never reach a client use status 500.
 */
export class AtlassianError extends HttpException {
  constructor(
    /** Stable machine-readable code. */
    readonly code: AtlassianErrorCode,
    message: string,
    status: number = HttpStatus.INTERNAL_SERVER_ERROR,
    options?: { cause?: unknown },
  ) {
    super({ statusCode: status, code, message }, status, { cause: options?.cause });
    this.name = new.target.name;
  }
}
