import { HttpStatus } from '@nestjs/common';
import type { SiteView } from '../accounts/linked-account.view.js';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** Where a failed call was going: `jira`, `confluence` or `bitbucket`, and the site. */
export interface ApiCallTarget {
  product: string;
  cloudId?: string;
  method: string;
  /** Path without the query string (queries can carry user data). */
  path: string;
}

/**
 * A Jira, Confluence or Bitbucket call that failed. Carries the upstream status and message, never
 * the token. A 4xx keeps its status when it reaches a client; a 5xx or a network error becomes 502.
 */
export class AtlassianApiError extends AtlassianError {
  constructor(
    readonly target: ApiCallTarget,
    /** The upstream status, or `undefined` for a network error or timeout. */
    readonly upstreamStatus: number | undefined,
    /** The upstream error message, as Atlassian wrote it. */
    readonly upstreamMessage: string,
    options?: { cause?: unknown; code?: AtlassianErrorCode; status?: number },
  ) {
    const where = `${target.method} ${target.product}${target.cloudId ? ` (site ${target.cloudId})` : ''} ${target.path}`;
    const status =
      options?.status ??
      (upstreamStatus !== undefined && upstreamStatus < 500
        ? upstreamStatus
        : HttpStatus.BAD_GATEWAY);
    super(
      options?.code ?? AtlassianErrorCode.ApiError,
      `${where} failed${upstreamStatus ? ` with ${upstreamStatus}` : ''}: ${upstreamMessage}`,
      status,
      options,
    );
  }
}

/**
 * A call refused before it was sent: its URL (a path, an absolute URL or a paging link) leaves the
 * product's API base, and the bearer token must never go anywhere else. `target.path` is the origin
 * and path it named (never the query). 500: a bug in the caller or in the data it followed, not the
 * end user's doing.
 * @internal
 */
export function foreignURLError(target: ApiCallTarget, allowed: string): AtlassianApiError {
  return new AtlassianApiError(
    target,
    undefined,
    `refused to send the token outside ${allowed} (a path, absolute URL or paging link must stay under the product's API base)`,
    { code: AtlassianErrorCode.ForeignURL, status: HttpStatus.INTERNAL_SERVER_ERROR },
  );
}

/** Atlassian answered "scope does not match": refreshing cannot help; the user must consent to more scopes. */
export class AtlassianScopeError extends AtlassianApiError {
  constructor(
    target: ApiCallTarget,
    /** Scopes the call needs that the grant lacks (those the caller declared). */
    readonly missingScopes: string[],
    /** Scopes the grant has on this site. */
    readonly grantedScopes: string[],
  ) {
    const missing =
      missingScopes.length > 0
        ? missingScopes.join(' ')
        : 'unknown: declare them with the `scopes` request option';
    super(
      target,
      401,
      `Unauthorized; scope does not match. Missing: ${missing}. Ask the user to connect again with these scopes.`,
      {
        code: AtlassianErrorCode.ScopeMissing,
        status: HttpStatus.FORBIDDEN,
      },
    );
  }
}

/**
 * Rate limited: a 429 (or 503 with Retry-After) beyond the retry budget, or a pause in force that the
 * call chose not to wait for or that ends later than `api.maxRetryWaitMs`.
 */
export class AtlassianRateLimitError extends AtlassianApiError {
  constructor(
    target: ApiCallTarget,
    upstreamStatus: number,
    /** When to try again: the provider's reset, or the end of the pause. */
    readonly retryAt: Date,
    /** Atlassian's `RateLimit-Reason` (e.g. `jira-quota-global-based`), when it gave one. */
    readonly reason?: string,
  ) {
    super(
      target,
      upstreamStatus,
      `rate limited${reason ? ` (${reason})` : ''}; retry after ${retryAt.toISOString()}`,
      {
        code: AtlassianErrorCode.RateLimited,
        status: HttpStatus.TOO_MANY_REQUESTS,
      },
    );
  }
}

/** The user has several eligible sites and the call named none, or named one that is not theirs. */
export class AtlassianSiteSelectionError extends AtlassianError {
  constructor(
    code: typeof AtlassianErrorCode.SiteRequired | typeof AtlassianErrorCode.SiteNotFound,
    readonly product: string,
    /** The eligible sites, to choose from. */
    readonly sites: SiteView[],
    message: string,
  ) {
    super(
      code,
      message,
      code === AtlassianErrorCode.SiteRequired ? HttpStatus.BAD_REQUEST : HttpStatus.NOT_FOUND,
    );
  }

  override getResponse(): object {
    return {
      ...(super.getResponse() as object),
      sites: this.sites.map(({ cloudId, name, url }) => ({ cloudId, name, url })),
    };
  }
}
