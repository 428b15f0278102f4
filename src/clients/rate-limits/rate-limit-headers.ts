import { parseRetryAfterMs } from '../../providers/provider-http.js';

/** What one answer of Jira or Confluence said about the app's rate limits. */
export interface RateLimitReading {
  /** `RateLimit-Reason` of a 429, e.g. `jira-quota-global-based`; undefined on other answers. */
  reason?: string;
  /** When to call again: `Retry-After`, else `X-RateLimit-Reset`, else the `RateLimit` field's `t`. */
  retryAtMs?: number;
  /** The budget of the window (`X-RateLimit-Limit`, or the policy's `q`). */
  limit?: number;
  /** What is left of it (`X-RateLimit-Remaining`, or the `RateLimit` field's `r`). */
  remaining?: number;
  /** When the window resets (`X-RateLimit-Reset`, or now + the `RateLimit` field's `t`). */
  resetAtMs?: number;
  /** `X-RateLimit-NearLimit: true`: less than 20% of the budget is left. */
  nearLimit: boolean;
  /** The policy's name, e.g. `tenant-app-quota` (`RateLimit-Policy`). */
  policy?: string;
}

/**
 * Reads the rate-limit headers in both forms Atlassian sends: plain (`RateLimit-Reason`,
 * `X-RateLimit-*`, the structured `RateLimit` / `RateLimit-Policy`) and the trial's prefixed ones
 * (`Beta-RateLimit-*`, `X-Beta-RateLimit-*`). Both can come together; the plain form wins.
 */
export function readRateLimitHeaders(headers: Headers, nowMs: number): RateLimitReading {
  const get = (name: string): string | null =>
    headers.get(name) ?? headers.get(`beta-${name}`) ?? headers.get(betaX(name));
  const field = parseStructuredItem(get('ratelimit'));
  const policy = parseStructuredItem(get('ratelimit-policy'));
  const resetAtMs =
    parseDate(get('x-ratelimit-reset')) ??
    (field?.params.t !== undefined ? nowMs + field.params.t * 1000 : undefined);
  const retryAfterMs = parseRetryAfterMs(headers.get('retry-after'), nowMs);
  return {
    reason: get('ratelimit-reason')?.trim() || undefined,
    retryAtMs: retryAfterMs !== undefined ? nowMs + retryAfterMs : resetAtMs,
    limit: parseCount(get('x-ratelimit-limit')) ?? policy?.params.q,
    remaining: parseCount(get('x-ratelimit-remaining')) ?? field?.params.r,
    resetAtMs,
    nearLimit: get('x-ratelimit-nearlimit')?.trim().toLowerCase() === 'true',
    policy: policy?.name ?? field?.name,
  };
}

/** `x-ratelimit-limit` → `x-beta-ratelimit-limit`. */
function betaX(name: string): string {
  return name.startsWith('x-') ? `x-beta-${name.slice(2)}` : `beta-${name}`;
}

function parseCount(value: string | null): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const count = Number(value);
  return Number.isFinite(count) && count >= 0 ? count : undefined;
}

/** ISO 8601 (Atlassian writes `yyyy-MM-ddTHH:mmZ`), or undefined. */
function parseDate(value: string | null): number | undefined {
  if (value === null) return undefined;
  const at = Date.parse(value);
  return Number.isNaN(at) ? undefined : at;
}

/**
 * The first item of an RFC 9651 structured-field list, as the RateLimit drafts write it:
 * `"tenant-app-quota";r=17842;t=2107` → name and numeric parameters. Enough for these two headers;
 * anything it cannot read is left out rather than guessed.
 */
function parseStructuredItem(
  value: string | null,
): { name: string; params: Record<string, number> } | undefined {
  if (!value) return undefined;
  const [item] = value.split(',');
  const [rawName, ...rawParams] = item.split(';').map((part) => part.trim());
  const name = rawName.replace(/^"(.*)"$/, '$1');
  const params: Record<string, number> = {};
  for (const param of rawParams) {
    const [key, raw] = param.split('=');
    const number = Number(raw);
    if (key && raw !== undefined && Number.isFinite(number)) params[key.trim()] = number;
  }
  return { name, params };
}
