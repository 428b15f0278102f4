import { HttpException, HttpStatus } from '@nestjs/common';

/** Every stable error code this package can throw; match on `error.code`, never on the message. */
export const AtlassianErrorCode = {
  InvalidOptions: 'atlassian_invalid_options',
  AccessDenied: 'oauth_access_denied',
  AuthorizationError: 'oauth_authorization_error',
  MissingCode: 'oauth_missing_code',
  StateCookieMissing: 'oauth_state_cookie_missing',
  StateMismatch: 'oauth_state_mismatch',
  StateInvalid: 'oauth_state_invalid',
  StateExpired: 'oauth_state_expired',
  StateReplayed: 'oauth_state_replayed',
  LinkUserMismatch: 'oauth_link_user_mismatch',
  CodeRejected: 'oauth_code_rejected',
  ProviderUnavailable: 'oauth_provider_unavailable',
  ProfileFetchFailed: 'oauth_profile_fetch_failed',
  AccountOwnedByAnotherUser: 'account_owned_by_another_user',
  AccountNotLinked: 'account_not_linked',
  ReauthRequired: 'reauth_required',
  TokenRefreshFailed: 'token_refresh_failed',
  TokenStoreUnavailable: 'token_store_unavailable',
  ApiError: 'atlassian_api_error',
  ScopeMissing: 'atlassian_scope_missing',
  RateLimited: 'atlassian_rate_limited',
  SiteRequired: 'atlassian_site_required',
  SiteNotFound: 'atlassian_site_not_found',
  ScopesRequired: 'atlassian_scopes_required',
  AccountRequired: 'atlassian_account_required',
  CiphertextInvalid: 'token_ciphertext_invalid',
  UnknownEncryptionKey: 'token_unknown_encryption_key',
} as const;

/** One of the values of {@link AtlassianErrorCode}. */
export type AtlassianErrorCode = (typeof AtlassianErrorCode)[keyof typeof AtlassianErrorCode];

/**
 * Base of every error this package throws. It is an `HttpException` so that an error reaching
 * Nest's exception filter answers with the right status and a body `{ statusCode, code, message }`;
 * errors that never reach a client use status 500.
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
