import type { EmulatorClock } from '../../server/emulator-clock.js';
import { json, type EmulatorResponse } from '../../server/http-helpers.js';
import { HOUR_MS, HourlyPoints, nextHourMs } from './hourly-points.js';
import { inForm, quotaHeaders, refusalHeaders, type LimitState } from './rate-limit-headers.js';
import type { RateLimitSettings } from './rate-limit-settings.js';
import { SlidingWindows } from './sliding-windows.js';

/** A Jira or Confluence call, as the limits see it. */
export interface LimitedCall {
  product: 'jira' | 'confluence';
  /** The app: a 3LO client id or a service account's client id. */
  clientId: string;
  cloudId: string;
  /** `METHOD path-template`, e.g. `PUT /rest/api/3/issue/{issueIdOrKey}`. */
  endpoint: string;
  /** A write to one Jira issue: the issue's id (per-issue limits). */
  issueId?: string;
}

/** A call a limit refused: the 429 and its reason. */
export interface Refusal {
  reason: string;
  response: EmulatorResponse;
}

/**
 * Atlassian's three rate-limit systems on the emulator clock: hourly point quotas (per app, and per app and
 * site), burst windows per endpoint, and per-issue write windows. A refused call costs nothing and counts in
 * no window. When several limits refuse, the first of app quota, site quota, burst, per-issue is named.
 */
export class AtlassianRateLimiter {
  private settings: RateLimitSettings | undefined;
  private readonly points = new HourlyPoints();
  private readonly windows = new SlidingWindows();

  constructor(private readonly clock: EmulatorClock) {}

  /** Put `settings` in force (undefined: no limits) and forget what was spent so far. */
  configure(settings: RateLimitSettings | undefined): void {
    this.settings = settings;
    this.points.clear();
    this.windows.clear();
  }

  /** The 429 to answer when a limit refuses `call` now; undefined when it may go ahead. */
  refuse(call: LimitedCall): Refusal | undefined {
    const settings = this.settings;
    if (!settings) return undefined;
    const now = this.clock.nowMs();
    const quotas = this.quotas(settings, call, now);
    const refusing = [
      ...quotas,
      ...this.bursts(settings, call, now),
      ...this.issueWrites(settings, call, now),
    ].find((state) => state.remaining <= 0);
    if (!refusing) return undefined;
    const headers = {
      ...quotaHeaders(quotas, now),
      ...refusalHeaders(refusing, now, settings.retryAfter),
    };
    return {
      reason: refusing.reason,
      response: json(
        429,
        { code: 429, message: 'Too Many Requests' },
        inForm(headers, settings.headerForm),
      ),
    };
  }

  /** Charge an answered call `points` (and, for a successful issue write, the issue); returns its rate-limit headers. */
  admit(call: LimitedCall, points: number, wroteIssue: boolean): Record<string, string> {
    const now = this.clock.nowMs();
    this.points.charge(appKey(call), points, now);
    this.points.charge(siteKey(call), points, now);
    const settings = this.settings;
    if (!settings) return {};
    for (const { key, windowMs } of burstRules(settings, call))
      this.windows.record(key, now, windowMs);
    if (wroteIssue && call.issueId !== undefined) {
      const keepMs = Math.max(0, ...settings.perIssueWrites.map((rule) => rule.windowMs));
      this.windows.record(issueKey(call), now, keepMs);
    }
    const headers = quotaHeaders(this.quotas(settings, call, now), now);
    const tightest = this.bursts(settings, call, now).sort((a, b) => a.remaining - b.remaining)[0];
    if (tightest) {
      headers['x-ratelimit-limit'] = String(tightest.limit);
      headers['x-ratelimit-remaining'] = String(tightest.remaining);
    }
    return inForm(headers, settings.headerForm);
  }

  private quotas(settings: RateLimitSettings, call: LimitedCall, now: number): LimitState[] {
    const quotas: LimitState[] = [];
    const app = settings.appPointsPerHour;
    if (app !== undefined)
      quotas.push(
        this.quota(
          appKey(call),
          app,
          `${call.product}-quota-global-based`,
          'global-app-quota',
          now,
        ),
      );
    const { every, byCloudId } = settings.sitePointsPerHour;
    const site = byCloudId.get(call.cloudId) ?? every;
    if (site !== undefined)
      quotas.push(
        this.quota(
          siteKey(call),
          site,
          `${call.product}-quota-tenant-based`,
          'tenant-app-quota',
          now,
        ),
      );
    return quotas;
  }

  private quota(
    key: string,
    limit: number,
    reason: string,
    policy: string,
    now: number,
  ): LimitState {
    return {
      reason,
      limit,
      remaining: Math.max(0, limit - this.points.spentIn(key, now)),
      resetAtMs: nextHourMs(now),
      // Only "tenant-app-quota" has been seen on live answers; "global-app-quota" is the emulator's name.
      policy: { name: policy, windowSeconds: HOUR_MS / 1000 },
    };
  }

  private bursts(settings: RateLimitSettings, call: LimitedCall, now: number): LimitState[] {
    return burstRules(settings, call).map(({ key, limit, windowMs }) => ({
      reason: `${call.product}-burst-based`,
      limit,
      ...this.windows.state(key, { limit, windowMs }, now),
    }));
  }

  private issueWrites(settings: RateLimitSettings, call: LimitedCall, now: number): LimitState[] {
    if (call.issueId === undefined) return [];
    return settings.perIssueWrites.map((rule) => ({
      reason: 'jira-per-issue-on-write',
      limit: rule.limit,
      ...this.windows.state(issueKey(call), rule, now),
    }));
  }
}

/** The burst rules that apply to `call`, each with the window key it counts under. */
function burstRules(settings: RateLimitSettings, call: LimitedCall) {
  return settings.burst.flatMap((rule, index) =>
    rule.endpoint === undefined || rule.endpoint === call.endpoint
      ? [{ ...rule, key: `burst ${index} ${call.clientId} ${call.cloudId} ${call.endpoint}` }]
      : [],
  );
}

function appKey(call: LimitedCall): string {
  return `${call.product} ${call.clientId}`;
}

function siteKey(call: LimitedCall): string {
  return `${call.product} ${call.clientId} ${call.cloudId}`;
}

/** Per-issue limits count every writer of the issue, whichever app. */
function issueKey(call: LimitedCall): string {
  return `issue ${call.cloudId} ${call.issueId}`;
}
