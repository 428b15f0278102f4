import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** The callback codes that are not a plain bad request: the user declined, or another user finished. */
const CALLBACK_STATUS: Partial<Record<AtlassianErrorCode, number>> = {
  [AtlassianErrorCode.AccessDenied]: HttpStatus.UNAUTHORIZED,
  [AtlassianErrorCode.LinkUserMismatch]: HttpStatus.FORBIDDEN,
};

/**
 * A sign-in that cannot complete because of what came back to the callback route: the user
 * declined, the state or its cookie is wrong, the code was refused. Nothing is stored. The status
 * follows the code (401 declined, 403 another user's link, else 400).
 */
export class OAuthCallbackError extends AtlassianError {
  constructor(
    code: AtlassianErrorCode,
    message: string,
    status: number = CALLBACK_STATUS[code] ?? HttpStatus.BAD_REQUEST,
    options?: { cause?: unknown },
  ) {
    super(code, message, status, options);
  }
}

/** The provider (token endpoint or profile API) failed or could not be reached; nothing is stored (502). */
export class OAuthProviderError extends AtlassianError {
  constructor(code: AtlassianErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, HttpStatus.BAD_GATEWAY, options);
  }
}
