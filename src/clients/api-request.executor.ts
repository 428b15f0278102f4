import { STATUS_CODES } from 'node:http';
import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import {
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  type ApiCallTarget,
} from '../errors/api-errors.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import type { RateLimitBehaviour } from '../options/atlassian-module-options.interface.js';
import { IssueWriteSpacer } from './rate-limits/issue-write-spacer.js';
import { callPauseKeys, pauseScopeOf, type CallPauseKeys } from './rate-limits/pause-scopes.js';
import { RateLimitBudgets, type RateLimitBudget } from './rate-limits/rate-limit-budgets.js';
import { readRateLimitHeaders } from './rate-limits/rate-limit-headers.js';
import { RateLimitPauses } from './rate-limits/rate-limit-pauses.js';
import {
  sendForApiCall,
  recordRateLimitWait,
  traceApiCall,
} from '../telemetry/api-call-telemetry.js';
import type { HttpAnswer } from '../providers/http-exchange.js';

/** One call, fully resolved. */
export interface ApiRequest {
  method: string;
  url: string;
  body?: unknown;
  headers?: Record<string, string>;
  target: ApiCallTarget;
  /** Scopes the caller knows the call needs; named in the error when Atlassian says the scope does not match. */
  scopes?: string[];
  /** Wait out a rate-limit pause or fail at once; default `api.onRateLimit`. */
  onRateLimit?: RateLimitBehaviour;
}

/** How a call authenticates, and what it does when the provider rejects the token or the site. */
export interface ApiAuth {
  /** The OAuth client the token belongs to: Atlassian's quotas are per app. */
  clientId: string;
  /** The token, when it is at hand without waiting (held in memory); else undefined: call {@link getToken}. */
  cachedToken?(): string | undefined;
  getToken(): Promise<string>;
  /** A new token after a 401 (one forced refresh); `rejected` is the token the provider refused. */
  forceRefresh(rejected?: string): Promise<string>;
  grantedScopes(): string[];
  /**
   * The site answered 401 with a fresh token, or 404: the site may have left the grant (the callee
   * decides whether to re-sync the sites, and throws when the site is gone). `message` is the answer's.
   */
  onSiteRejected?(status: number, message: string): Promise<void>;
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE']);

/**
 * Sends a call with the bearer token and handles what Atlassian answers: a 401 gets one forced refresh
 * and one retry ("scope does not match" gets none: it becomes {@link AtlassianScopeError}); a 429 whose
 * `RateLimit-Reason` names a quota, a burst or an issue pauses that scope (the app or the site for every
 * instance, the endpoint or the issue in this process) until the reset, and every call of that scope
 * waits for it or fails at once, as it chose; another 429 or a 503 with Retry-After waits for that call
 * alone; other 5xx and network errors retry with exponential backoff, for idempotent methods only.
 * Writes to one issue are spaced under its per-issue limits.
 */
@Injectable()
export class ApiRequestExecutor {
  private readonly issueWrites = new IssueWriteSpacer();

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
    private readonly pauses: RateLimitPauses,
    private readonly budgets: RateLimitBudgets,
  ) {}

  /** The rate-limit budgets the latest answers reported, in this process. */
  budgetsSeen(): RateLimitBudget[] {
    return this.budgets.all();
  }

  execute<T>(request: ApiRequest, auth: ApiAuth): Promise<T> {
    return traceApiCall(request.target, request.url, () =>
      this.executeWithRetries<T>(request, auth),
    );
  }

  private async executeWithRetries<T>(request: ApiRequest, auth: ApiAuth): Promise<T> {
    const { maxRetries, rateLimitRetries } = this.options.api;
    const keys = callPauseKeys({ clientId: auth.clientId, ...request.target });
    // Most calls find the token in memory: no promise, no wait for it.
    let token = auth.cachedToken?.() ?? (await auth.getToken());
    let refreshed = false;
    let failures = 0;
    let rateLimited = 0;
    for (;;) {
      // Most calls meet no pause and no due read of the shared ones: they do not wait a tick for it.
      if (this.pauses.syncDue() || this.pauses.holding(keys))
        await this.waitForPauses(request, keys);
      if (keys.issue !== undefined) await this.spaceIssueWrite(request, keys.issue);
      let response: HttpAnswer;
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
      const nowMs = this.clock.now().getTime();
      const limits = readRateLimitHeaders(response.headers, nowMs);
      this.budgets.observe(request.target, limits, nowMs);
      if (response.ok)
        return (await readBody(response, request.target, this.options.httpTimeoutMs)) as T;
      const message = await errorMessage(response);
      if (response.status === 401) {
        if (/scope does not match/i.test(message)) throw this.scopeError(request, auth);
        if (!refreshed) {
          refreshed = true;
          token = await auth.forceRefresh(token);
          continue;
        }
        await auth.onSiteRejected?.(401, message);
      } else if (response.status === 429 || (response.status === 503 && hasRetryHint(response))) {
        const retryAtMs = limits.retryAtMs ?? nowMs + this.backoffMs(rateLimited + 1);
        const scope = response.status === 429 ? pauseScopeOf(limits.reason) : undefined;
        // Recorded even when this call gives up: every other call of the scope must hold back.
        if (scope !== undefined)
          await this.pauses.pause(scope, keys, { untilMs: retryAtMs, reason: limits.reason! });
        // A pause holds this call at the top of the loop (which waits or fails, as the call chose);
        // a 429 without a scope holds this call only.
        const waitMs = jittered(retryAtMs - nowMs);
        if (
          rateLimited >= rateLimitRetries ||
          (scope === undefined && !this.mayWait(request, waitMs))
        ) {
          throw new AtlassianRateLimitError(
            request.target,
            response.status,
            new Date(retryAtMs),
            limits.reason,
          );
        }
        rateLimited++;
        if (scope !== undefined) continue;
        recordRateLimitWait(request.target, response.status, waitMs);
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
        await auth.onSiteRejected?.(404, message);
      }
      throw new AtlassianApiError(request.target, response.status, message);
    }
  }

  /**
   * Holds the call while a pause of one of its scopes is in force (waiting once per pause: a pause
   * that is still there after its end, by this clock, does not hold the call again).
   */
  private async waitForPauses(request: ApiRequest, keys: CallPauseKeys): Promise<void> {
    let waitedUntilMs = Number.NEGATIVE_INFINITY;
    for (;;) {
      if (this.pauses.syncDue()) await this.pauses.sync();
      const pause = this.pauses.holding(keys);
      if (!pause || pause.untilMs <= waitedUntilMs) return;
      const waitMs = pause.untilMs - this.clock.now().getTime();
      if (!this.mayWait(request, waitMs)) {
        throw new AtlassianRateLimitError(
          request.target,
          HttpStatus.TOO_MANY_REQUESTS,
          new Date(pause.untilMs),
          pause.reason,
        );
      }
      // Jitter after the reset: instances that waited for the same pause do not all call at once.
      const jitteredMs = jittered(waitMs);
      recordRateLimitWait(request.target, HttpStatus.TOO_MANY_REQUESTS, jitteredMs);
      await this.clock.sleep(jitteredMs);
      waitedUntilMs = pause.untilMs;
    }
  }

  private async spaceIssueWrite(request: ApiRequest, issueKey: string): Promise<void> {
    const nowMs = this.clock.now().getTime();
    const waitMs = this.issueWrites.reserve(issueKey, nowMs);
    if (waitMs === 0) return;
    if (!this.mayWait(request, waitMs)) {
      throw new AtlassianRateLimitError(
        request.target,
        HttpStatus.TOO_MANY_REQUESTS,
        new Date(nowMs + waitMs),
        'per-issue-write-spacing',
      );
    }
    recordRateLimitWait(request.target, HttpStatus.TOO_MANY_REQUESTS, waitMs);
    await this.clock.sleep(waitMs);
  }

  private mayWait(request: ApiRequest, waitMs: number): boolean {
    const behaviour = request.onRateLimit ?? this.options.api.onRateLimit;
    return behaviour === 'wait' && waitMs <= this.options.api.maxRetryWaitMs;
  }

  private send(request: ApiRequest, token: string): Promise<HttpAnswer> {
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
    return sendForApiCall(request.target, request.url, {
      method: request.method,
      headers,
      body,
      timeoutMs: this.options.httpTimeoutMs,
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

  private backoffMs(attempt: number): number {
    const exponential = this.options.api.backoffBaseMs * 2 ** (attempt - 1);
    return Math.min(
      this.options.api.maxRetryWaitMs,
      exponential / 2 + Math.random() * (exponential / 2),
    );
  }
}

function hasRetryHint(response: HttpAnswer): boolean {
  return response.headers.has('retry-after') || response.headers.has('x-ratelimit-reset');
}

/** Never earlier than asked (calling early earns a longer wait): jitter only adds up to 10%. */
function jittered(waitMs: number): number {
  return Math.ceil(Math.max(0, waitMs) * (1 + Math.random() * 0.1));
}

/**
 * A body that stalls past the deadline, cannot be decompressed, or is labelled JSON and does not
 * parse is the provider's failure (502), not a `SyntaxError` or a stream error for the caller.
 */
async function readBody(
  response: HttpAnswer,
  target: ApiCallTarget,
  timeoutMs: number,
): Promise<unknown> {
  let text: string;
  try {
    text = await response.text();
  } catch (cause) {
    throw new AtlassianApiError(
      target,
      response.status,
      (cause as Error).name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms while reading the answer`
        : `the answer could not be read (${(cause as Error).message})`,
      { cause, status: HttpStatus.BAD_GATEWAY },
    );
  }
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
async function errorMessage(response: HttpAnswer): Promise<string> {
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
  return text.slice(0, 300) || (STATUS_CODES[response.status] ?? String(response.status));
}
