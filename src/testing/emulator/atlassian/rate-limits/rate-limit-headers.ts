import type { EmulatorRateLimitHeaderForm } from '../../rate-limits.types.js';

/** Where one limit stands for a call: the numbers its headers report. */
export interface LimitState {
  /** `RateLimit-Reason` when this limit refuses, e.g. `jira-quota-tenant-based`. */
  reason: string;
  /** The budget: points per hour, or calls (writes) per window. */
  limit: number;
  remaining: number;
  /** When the budget is back (top of the hour, or the window moving on). */
  resetAtMs: number;
  /** Quotas only: the structured-field policy name, and the window in seconds. */
  policy?: { name: string; windowSeconds: number };
}

/**
 * The trial's names (seen on live responses in March 2026): the structured fields took `Beta-`, the others
 * `X-Beta-`; `X-RateLimit-Limit`, `X-RateLimit-Remaining` and `Retry-After` kept theirs.
 */
const BETA_NAMES: Record<string, string> = {
  'ratelimit-policy': 'beta-ratelimit-policy',
  ratelimit: 'beta-ratelimit',
  'ratelimit-reason': 'x-beta-ratelimit-reason',
  'x-ratelimit-nearlimit': 'x-beta-ratelimit-nearlimit',
  'x-ratelimit-reset': 'x-beta-ratelimit-reset',
};

/** Headers under today's names, the trial's, or both. */
export function inForm(
  headers: Record<string, string>,
  form: EmulatorRateLimitHeaderForm,
): Record<string, string> {
  const named: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const beta = BETA_NAMES[name];
    if (form !== 'beta' || !beta) named[name] = value;
    if (form !== 'plain' && beta) named[beta] = value;
  }
  return named;
}

/**
 * The quota headers every answer carries: `RateLimit-Policy: "tenant-app-quota";q=100100;w=3600` and
 * `RateLimit: "tenant-app-quota";r=17842;t=2107` (structured-field lists, one item per quota; `t` is whole
 * seconds to the reset), and `X-RateLimit-NearLimit: true` when a quota has less than 20% left.
 */
export function quotaHeaders(quotas: LimitState[], nowMs: number): Record<string, string> {
  const withPolicy = quotas.filter((quota) => quota.policy);
  if (withPolicy.length === 0) return {};
  const name = (quota: LimitState) => `"${quota.policy!.name}"`;
  const headers: Record<string, string> = {
    'ratelimit-policy': withPolicy
      .map((quota) => `${name(quota)};q=${quota.limit};w=${quota.policy!.windowSeconds}`)
      .join(', '),
    ratelimit: withPolicy
      .map(
        (quota) =>
          `${name(quota)};r=${quota.remaining};t=${Math.max(0, Math.floor((quota.resetAtMs - nowMs) / 1000))}`,
      )
      .join(', '),
  };
  if (withPolicy.some((quota) => quota.remaining < quota.limit * 0.2))
    headers['x-ratelimit-nearlimit'] = 'true';
  return headers;
}

/** The headers of a 429 from `refusing`: reason, limit, reset and (unless switched off) Retry-After. */
export function refusalHeaders(
  refusing: LimitState,
  nowMs: number,
  retryAfter: boolean,
): Record<string, string> {
  const waitMs = Math.max(0, refusing.resetAtMs - nowMs);
  return {
    'ratelimit-reason': refusing.reason,
    'x-ratelimit-limit': String(refusing.limit),
    'x-ratelimit-remaining': String(refusing.remaining),
    'x-ratelimit-reset': minuteStamp(refusing.resetAtMs),
    // Never earlier than the reset: a client that retries early is refused again.
    ...(retryAfter ? { 'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))) } : {}),
  };
}

/**
 * Atlassian's documented `X-RateLimit-Reset` form, `yyyy-MM-ddTHH:mmZ` (ISO 8601 to the minute), rounded up
 * so it is never before the real reset.
 */
export function minuteStamp(ms: number): string {
  const minute = Math.ceil(ms / 60_000) * 60_000;
  return `${new Date(minute).toISOString().slice(0, 16)}Z`;
}
