import type {
  EmulatorRateLimitHeaderForm,
  EmulatorRateLimits,
  EmulatorWriteLimit,
} from '../../rate-limits.types.js';

/** Atlassian's per-issue write limits: 20 writes per 2 seconds and 100 per 30 seconds. */
export const ATLASSIAN_PER_ISSUE_WRITE_LIMITS: readonly EmulatorWriteLimit[] = [
  { writes: 20, windowSeconds: 2 },
  { writes: 100, windowSeconds: 30 },
];

/** A sliding-window limit: at most `limit` events per `windowMs`. */
export interface WindowRule {
  limit: number;
  windowMs: number;
}

/** A burst rule, for one endpoint or (without `endpoint`) for each. */
export interface BurstRule extends WindowRule {
  endpoint?: string;
}

/** The limits in force, checked once when set. */
export interface RateLimitSettings {
  appPointsPerHour?: number;
  /** Per-site budget: for every site, and by cloudId (which wins). */
  sitePointsPerHour: { every?: number; byCloudId: Map<string, number> };
  burst: BurstRule[];
  perIssueWrites: WindowRule[];
  headerForm: EmulatorRateLimitHeaderForm;
  retryAfter: boolean;
}

const HEADER_FORMS: readonly EmulatorRateLimitHeaderForm[] = ['plain', 'beta', 'both'];

/**
 * Check `input` and fill in defaults; throws a RangeError naming the setting at fault. `endpoints` are the
 * emulated endpoint names a burst rule may name.
 */
export function resolveRateLimits(
  input: EmulatorRateLimits,
  endpoints: readonly string[],
): RateLimitSettings {
  const sites = input.sitePointsPerHour;
  const byCloudId = new Map<string, number>();
  if (typeof sites === 'object')
    for (const [cloudId, points] of Object.entries(sites))
      byCloudId.set(cloudId, budget(`sitePointsPerHour['${cloudId}']`, points));
  const headerForm = input.headerForm ?? 'plain';
  if (!HEADER_FORMS.includes(headerForm))
    fail(`headerForm must be 'plain', 'beta' or 'both', got ${String(headerForm)}`);
  return {
    ...(input.appPointsPerHour !== undefined
      ? { appPointsPerHour: budget('appPointsPerHour', input.appPointsPerHour) }
      : {}),
    sitePointsPerHour: {
      ...(typeof sites === 'number' ? { every: budget('sitePointsPerHour', sites) } : {}),
      byCloudId,
    },
    burst: (input.burst ?? []).map((rule, index) => {
      if (rule.endpoint !== undefined && !endpoints.includes(rule.endpoint))
        fail(`burst[${index}].endpoint "${rule.endpoint}" is not one of: ${endpoints.join(', ')}`);
      return {
        ...(rule.endpoint !== undefined ? { endpoint: rule.endpoint } : {}),
        limit: count(`burst[${index}].requests`, rule.requests),
        windowMs: seconds(`burst[${index}].windowSeconds`, rule.windowSeconds ?? 1),
      };
    }),
    perIssueWrites: writeRules(input.perIssueWrites),
    headerForm,
    retryAfter: input.retryAfter ?? true,
  };
}

function writeRules(input: EmulatorRateLimits['perIssueWrites']): WindowRule[] {
  if (input === undefined || input === false) return [];
  const rules = input === true ? ATLASSIAN_PER_ISSUE_WRITE_LIMITS : input;
  return rules.map((rule, index) => ({
    limit: count(`perIssueWrites[${index}].writes`, rule.writes),
    windowMs: seconds(`perIssueWrites[${index}].windowSeconds`, rule.windowSeconds),
  }));
}

function budget(name: string, points: number): number {
  if (!Number.isInteger(points) || points < 0)
    fail(`${name} must be a whole number of points >= 0, got ${points}`);
  return points;
}

function count(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1)
    fail(`${name} must be a whole number >= 1, got ${value}`);
  return value;
}

function seconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value <= 0)
    fail(`${name} must be a number of seconds > 0, got ${value}`);
  return value * 1000;
}

function fail(problem: string): never {
  throw new RangeError(`AtlassianEmulator rateLimits: ${problem}`);
}
