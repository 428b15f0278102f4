import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';
import { TokenCipherError } from './token-cipher.error.js';

/** No linked account matches the request (404 when it reaches a client). */
export class AccountNotLinkedError extends AtlassianError {
  constructor(what: string) {
    super(
      AtlassianErrorCode.AccountNotLinked,
      `No linked ${what} account: connect one first.`,
      HttpStatus.NOT_FOUND,
    );
  }
}

/**
 * The provider refused the refresh token (`invalid_grant`, `unauthorized_client`, …): the account is
 * marked `reauth_required` and the user must connect again (401 when it reaches a client).
 */
export class AtlassianReauthRequiredError extends AtlassianError {
  constructor(
    readonly accountId: string,
    readonly provider: string,
    /** The provider's refusal, e.g. `invalid_grant`; never a token. */
    readonly reason: string,
  ) {
    super(
      AtlassianErrorCode.ReauthRequired,
      `The ${provider} connection needs to be renewed (${reason}): send the user through the ${provider} sign-in again.`,
      HttpStatus.UNAUTHORIZED,
    );
  }
}

/**
 * A refresh failed for a reason that may pass (timeout, network, 5xx, 429, a refresh token no
 * configured key decrypts): the stored tokens are kept and the account stays active; retry after
 * `retryAt` (503 when it reaches a client). A {@link TokenCipherError} cause stays out of the message,
 * which a client sees: its key hint is in the account's `lastRefreshError` and the event.
 */
export class AtlassianTokenRefreshError extends AtlassianError {
  constructor(
    readonly accountId: string,
    readonly provider: string,
    /** Earliest time the next refresh is tried. */
    readonly retryAt: Date,
    reason: string,
    options?: { cause?: unknown },
  ) {
    const shown =
      options?.cause instanceof TokenCipherError
        ? 'the stored refresh token could not be read'
        : reason;
    super(
      AtlassianErrorCode.TokenRefreshFailed,
      `Could not refresh the ${provider} token (${shown}); the connection is kept and will be retried after ${retryAt.toISOString()}.`,
      HttpStatus.SERVICE_UNAVAILABLE,
      options,
    );
  }
}

/**
 * The database that holds the linked accounts did not answer (an outage, a failover, a lost
 * connection): nothing was changed, try again shortly (503 when it reaches a client). The driver's
 * error is the `cause`; its query parameters never reach the message.
 */
export class AtlassianTokenStoreError extends AtlassianError {
  constructor(what: string, options: { cause: unknown }) {
    super(
      AtlassianErrorCode.TokenStoreUnavailable,
      `The token store did not answer while ${what}: the database may be down or failing over; try again shortly.`,
      HttpStatus.SERVICE_UNAVAILABLE,
      options,
    );
  }
}
