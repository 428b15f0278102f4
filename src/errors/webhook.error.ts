import { AtlassianError, type AtlassianErrorCode } from './atlassian.error.js';

/**
 * A webhook delivery the module refused (401, 413, 400), could not hand over now (409, 503), or whose
 * handler failed (500). The status decides whether the provider retries: Jira and Bitbucket retry
 * 409 and 5xx, never 401, 413 or 400. Never carries a secret, a JWT or the body.
 */
export class AtlassianWebhookError extends AtlassianError {
  constructor(
    code: AtlassianErrorCode,
    status: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, status, options);
  }
}
