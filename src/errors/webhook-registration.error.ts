import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** The codes {@link AtlassianWebhookRegistrationError} carries. */
export type WebhookRegistrationErrorCode =
  | typeof AtlassianErrorCode.WebhookLimitReached
  | typeof AtlassianErrorCode.WebhookUrlMissing
  | typeof AtlassianErrorCode.WebhookScopesMissing
  | typeof AtlassianErrorCode.WebhookRejected
  | typeof AtlassianErrorCode.WebhookRegistrationNotFound;

const STATUS: Record<WebhookRegistrationErrorCode, number> = {
  [AtlassianErrorCode.WebhookLimitReached]: HttpStatus.CONFLICT,
  [AtlassianErrorCode.WebhookUrlMissing]: HttpStatus.INTERNAL_SERVER_ERROR,
  [AtlassianErrorCode.WebhookScopesMissing]: HttpStatus.FORBIDDEN,
  [AtlassianErrorCode.WebhookRejected]: HttpStatus.BAD_REQUEST,
  [AtlassianErrorCode.WebhookRegistrationNotFound]: HttpStatus.NOT_FOUND,
};

/**
 * A webhook registration refused or not found: most are refused before any call to the provider
 * (the limit, a missing delivery URL, missing scopes); `webhook_rejected` carries the provider's own
 * per-item errors. Never carries a token or a hook secret.
 */
export class AtlassianWebhookRegistrationError extends AtlassianError {
  constructor(
    code: WebhookRegistrationErrorCode,
    message: string,
    /** Scopes the account lacks (`webhook_scopes_missing`), else empty. */
    readonly missingScopes: string[] = [],
    /** What the provider said about the item (`webhook_rejected`), else empty. */
    readonly providerErrors: string[] = [],
  ) {
    super(code, message, STATUS[code]);
  }
}
