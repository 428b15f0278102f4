import { HttpStatus } from '@nestjs/common';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/**
 * A sign-in that cannot complete because of what came back to the callback route: the user
 * declined, the state or its cookie is wrong, the code was refused. Nothing is stored.
 */
export class OAuthCallbackError extends AtlassianError {
  constructor(
    code: AtlassianErrorCode,
    message: string,
    status = HttpStatus.BAD_REQUEST,
    options?: { cause?: unknown },
  ) {
    super(code, message, status, options);
  }
}

/** The provider (token endpoint or profile API) failed or could not be reached; nothing is stored. */
export class OAuthProviderError extends AtlassianError {
  constructor(code: AtlassianErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, HttpStatus.BAD_GATEWAY, options);
  }
}
