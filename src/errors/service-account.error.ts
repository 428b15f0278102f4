import { HttpStatus } from '@nestjs/common';
import { AtlassianError, type AtlassianErrorCode } from './atlassian.error.js';

/**
 * A service account the app cannot use: not configured under that name, or its credential refused by
 * the token endpoint. The app's configuration is at fault, not the caller (500). Never carries the
 * secret or a token.
 */
export class AtlassianServiceAccountError extends AtlassianError {
  constructor(
    code: AtlassianErrorCode,
    /** The service account's name in the `serviceAccounts` option. */
    readonly serviceAccount: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, HttpStatus.INTERNAL_SERVER_ERROR, options);
  }
}
