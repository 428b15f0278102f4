import { HttpStatus } from '@nestjs/common';
import {
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  type ApiCallTarget,
} from '../errors/api-errors.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { parseRetryAfterMs } from '../providers/provider-http.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';

/** One call, fully resolved. */
export interface ApiRequest {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  target: ApiCallTarget;
  /** Scopes the caller knows the call needs; named in the error when Atlassian says the scope does not match. */
  scopes?: string[];
}

/** How a call authenticates, and what it does when the provider rejects the token or the site. */
export interface ApiAuth {
  getToken(): Promise<string>;
  /** A new token after a 401 (one forced refresh). */
  forceRefresh(): Promise<string>;
  grantedScopes(): string[];
  /** The site answered 401 with a fresh token, or 404: re-sync the sites (throws when the site is gone). */
  onSiteRejected?(status: number): Promise<void>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Sends a call with the bearer token and handles what Atlassian answers: a 401 gets one forced refresh
 * and one retry ("scope does not match" gets none: it becomes {@link AtlassianScopeError}); 429 and 503
 * wait for Retry-After or X-RateLimit-Reset (capped, jittered, a few times); other 5xx and network
 * errors retry with exponential backoff, for idempotent methods only.
 */
export class ApiRequestExecutor {
  constructor(
    private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
  ) {}

  async execute<T>(request: ApiRequest, auth: ApiAuth): Promise<T> {
    const { maxRetries, rateLimitRetries } = this.options.api;
    let token = await auth.getToken();
    let refreshed = false;
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      let response: Response;
      try {
        response = await this.send(request, token);
      } catch (cause) {
        if (IDEMPOTENT.has(request.method) && failures < maxRetries) {
          await this.clock.sleep(this.backoffMs(++failures));
          continue;
        }
        throw new AtlassianApiError(
          request.target,
          undefined,
          (cause as Error).name === 'TimeoutError'
            ? `timed out after ${this.options.httpTimeoutMs} ms`
            : 'network error',
          { cause },
        );
      }
      if (response.ok) return (await readBody(response, request.target)) as T;
      const message = await errorMessage(response);
      if (response.status === 401) {
        if (/scope does not match/i.test(message)) throw this.scopeError(request, auth);
        if (!refreshed) {
          refreshed = true;
          token = await auth.forceRefresh();
          continue;
        }
        await auth.onSiteRejected?.(401);
      } else if (response.status === 429 || (response.status === 503 && hasRetryHint(response))) {
        const waitMs = this.rateLimitWaitMs(response, rateLimited + 1);
        if (rateLimited >= rateLimitRetries || waitMs > this.options.api.maxRetryWaitMs) {
          throw new AtlassianRateLimitError(
            request.target,
            response.status,
            new Date(this.clock.now().getTime() + waitMs),
          );
        }
        rateLimited++;
        await this.clock.sleep(waitMs);
        continue;
      } else if (
        response.status >= 500 &&
        IDEMPOTENT.has(request.method) &&
        failures < maxRetries
      ) {
        await this.clock.sleep(this.backoffMs(++failures));
        continue;
      } else if (response.status === 404) {
        await auth.onSiteRejected?.(404);
      }
      throw new AtlassianApiError(request.target, response.status, message);
    }
  }

  private send(request: ApiRequest, token: string): Promise<Response> {
    const headers: Record<string, string> = {
      accept: 'application/json',
      ...request.headers,
      authorization: `Bearer ${token}`,
    };
    let body: string | undefined;
    if (request.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    }
    return fetch(request.url, {
      method: request.method,
      headers,
      body,
      signal: AbortSignal.timeout(this.options.httpTimeoutMs),
    });
  }

  private scopeError(request: ApiRequest, auth: ApiAuth): AtlassianScopeError {
    const granted = auth.grantedScopes();
    return new AtlassianScopeError(
      request.target,
      (request.scopes ?? []).filter((scope) => !granted.includes(scope)),
      granted,
    );
  }

  /** Never earlier than asked (retrying early earns a longer wait): jitter only adds up to 10%. */
  private rateLimitWaitMs(response: Response, attempt: number): number {
    const asked =
      parseRetryAfterMs(response.headers.get('retry-after')) ??
      resetWaitMs(response.headers.get('x-ratelimit-reset'), this.clock.now().getTime());
    const base = asked ?? this.backoffMs(attempt);
    return Math.ceil(base * (1 + Math.random() * 0.1));
  }

  private backoffMs(attempt: number): number {
    const exponential = this.options.api.backoffBaseMs * 2 ** (attempt - 1);
    return Math.min(
      this.options.api.maxRetryWaitMs,
      exponential / 2 + Math.random() * (exponential / 2),
    );
  }
}

function hasRetryHint(response: Response): boolean {
  return response.headers.has('retry-after') || response.headers.has('x-ratelimit-reset');
}

/** `X-RateLimit-Reset` is an ISO 8601 date on Atlassian's gateway. */
function resetWaitMs(header: string | null, nowMs: number): number | undefined {
  const at = header ? Date.parse(header) : NaN;
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** A body labelled JSON that does not parse is the provider's failure (502), not a `SyntaxError` for the caller. */
async function readBody(response: Response, target: ApiCallTarget): Promise<unknown> {
  const text = await response.text();
  if (text === '') return undefined;
  if (!(response.headers.get('content-type') ?? '').includes('json')) return text;
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new AtlassianApiError(
      target,
      response.status,
      `the answer is labelled ${response.headers.get('content-type')} but is not JSON (${text.length} bytes)`,
      { cause, status: HttpStatus.BAD_GATEWAY },
    );
  }
}

/** Atlassian's error shapes: `{message}`, `{errorMessages: []}`, Confluence's `{errors: [{title}]}`, Bitbucket's `{error: {message}}`. */
async function errorMessage(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const body = JSON.parse(text);
    const message =
      body?.message ??
      body?.errorMessages?.[0] ??
      body?.errors?.[0]?.title ??
      body?.error?.message ??
      body?.error_description;
    if (typeof message === 'string') return message;
  } catch {
    // not JSON: fall through to the text
  }
  return text.slice(0, 300) || response.statusText;
}
