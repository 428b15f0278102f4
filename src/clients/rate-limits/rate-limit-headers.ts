import { parseRetryAfterMs } from '../../providers/provider-http.js';

/** The names this reader looks at, in every form (Headers iterates them lower-cased). */
const RATE_LIMIT_HEADER = /^(?:x-)?(?:beta-)?ratelimit|^retry-after$/;

/** One quota an answer reported in the structured `RateLimit` / `RateLimit-Policy` fields. */
export interface QuotaReading {
  /** Its name, e.g. `tenant-app-quota` or `global-app-quota`. */
  policy: string;
  /** Its budget (`q`). */
  limit?: number;
  /** What is left of it (`r`). */
  remaining?: number;
  /** When it resets (now + `t` seconds). */
  resetAtMs?: number;
}

/** What one answer of Jira or Confluence said about the app's rate limits. */
export interface RateLimitReading {
  /** `RateLimit-Reason` of a 429, e.g. `jira-quota-global-based`; undefined on other answers. */
  reason?: string;
  /**
   * When to call again: `Retry-After`, else `X-RateLimit-Reset`, else the latest reset of a spent
   * quota; undefined when the answer says none of these.
   */
  retryAtMs?: number;
  /** `X-RateLimit-Limit`: the limit that refused (on a 429) or the one the answer reports. */
  limit?: number;
  /** `X-RateLimit-Remaining`. */
  remaining?: number;
  /** `X-RateLimit-Reset` (ISO 8601). */
  resetAtMs?: number;
  /** `X-RateLimit-NearLimit: true`: less than 20% of a budget is left. */
  nearLimit: boolean;
  /** Every quota of the structured fields, by policy name. */
  quotas: QuotaReading[];
}

/**
 * Reads the rate-limit headers in every form Atlassian sends: plain (`RateLimit-Reason`,
 * `X-RateLimit-*`, the structured `RateLimit` / `RateLimit-Policy` lists) and the trial's prefixed
 * ones (`Beta-RateLimit`, `Beta-RateLimit-Policy`, `X-Beta-RateLimit-*`). Both can come together; the
 * plain form wins.
 */
export function readRateLimitHeaders(
  headers: Iterable<[string, string]>,
  nowMs: number,
): RateLimitReading {
  // One pass over the answer's headers (a handful), keeping the rate-limit ones: cheaper than a
  // lookup per name and form on every answer, most of which carry none.
  const found = new Map<string, string>();
  for (const [name, value] of headers) if (RATE_LIMIT_HEADER.test(name)) found.set(name, value);
  if (found.size === 0) return { nearLimit: false, quotas: [] };
  const get = (name: string): string | null =>
    found.get(name) ??
    found.get(`beta-${name}`) ??
    found.get(`x-beta-${name.replace(/^x-/, '')}`) ??
    null;
  const quotas = readQuotas(get('ratelimit'), get('ratelimit-policy'), nowMs);
  const resetAtMs = parseDate(get('x-ratelimit-reset'));
  const retryAfterMs = parseRetryAfterMs(found.get('retry-after') ?? null, nowMs);
  const spentResets = quotas
    .filter((quota) => quota.remaining === 0 && quota.resetAtMs !== undefined)
    .map((quota) => quota.resetAtMs!);
  return {
    reason: get('ratelimit-reason')?.trim() || undefined,
    retryAtMs:
      retryAfterMs !== undefined
        ? nowMs + retryAfterMs
        : (resetAtMs ?? (spentResets.length > 0 ? Math.max(...spentResets) : undefined)),
    limit: parseCount(get('x-ratelimit-limit')),
    remaining: parseCount(get('x-ratelimit-remaining')),
    resetAtMs,
    nearLimit: get('x-ratelimit-nearlimit')?.trim().toLowerCase() === 'true',
    quotas,
  };
}

/** The quotas of `RateLimit` (`r`, `t`) joined by name with those of `RateLimit-Policy` (`q`). */
function readQuotas(fields: string | null, policies: string | null, nowMs: number): QuotaReading[] {
  const byName = new Map<string, QuotaReading>();
  const quota = (policy: string) => {
    if (!byName.has(policy)) byName.set(policy, { policy });
    return byName.get(policy)!;
  };
  for (const { name, params } of parseStructuredList(policies))
    if (params.q !== undefined) quota(name).limit = params.q;
  for (const { name, params } of parseStructuredList(fields)) {
    const entry = quota(name);
    if (params.r !== undefined) entry.remaining = params.r;
    if (params.t !== undefined) entry.resetAtMs = nowMs + params.t * 1000;
  }
  return [...byName.values()];
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
 * The items of an RFC 9651 structured-field list as the RateLimit drafts write them:
 * `"tenant-app-quota";r=17842;t=2107, "global-app-quota";r=9;t=2107` → names and numeric parameters.
 * Enough for these two headers; an item it cannot read is left out rather than guessed.
 */
function parseStructuredList(
  value: string | null,
): Array<{ name: string; params: Record<string, number> }> {
  if (!value) return [];
  return value.split(',').flatMap((item) => {
    const [rawName, ...rawParams] = item.split(';').map((part) => part.trim());
    const name = /^"([^"]+)"$/.exec(rawName)?.[1] ?? rawName;
    if (!/^[\w.*-]+$/.test(name)) return [];
    const params: Record<string, number> = {};
    for (const param of rawParams) {
      const [key, raw] = param.split('=');
      const number = Number(raw);
      if (key && raw !== undefined && raw.trim() !== '' && Number.isFinite(number))
        params[key.trim()] = number;
    }
    return [{ name, params }];
  });
}
