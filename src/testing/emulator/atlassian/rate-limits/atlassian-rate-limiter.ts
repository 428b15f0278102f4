import type { EmulatorClock } from '../../server/emulator-clock.js';
import { json, type EmulatorResponse } from '../../server/http-helpers.js';
import { HOUR_MS, HourlyPoints, nextHourMs } from './hourly-points.js';
import { inForm, quotaHeaders, refusalHeaders, type LimitState } from './rate-limit-headers.js';
import type { RateLimitSettings } from './rate-limit-settings.js';
import { SlidingWindows } from './sliding-windows.js';
import { appKey, burstRules, issueKey, siteKey, type LimitedCall } from './limited-call.js';

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

  /** The quotas set for `call`: the app's (Tier 1, global) first, then the site's (Tier 2, tenant). */
  private quotas(settings: RateLimitSettings, call: LimitedCall, now: number): LimitState[] {
    const { every, byCloudId } = settings.sitePointsPerHour;
    const pools = [
      {
        key: appKey(call),
        limit: settings.appPointsPerHour,
        scope: 'global',
        policy: 'global-app-quota',
      },
      {
        key: siteKey(call),
        limit: byCloudId.get(call.cloudId) ?? every,
        scope: 'tenant',
        policy: 'tenant-app-quota',
      },
    ];
    return pools.flatMap(({ key, limit, scope, policy }) =>
      limit === undefined
        ? []
        : [
            {
              reason: `${call.product}-quota-${scope}-based`,
              limit,
              remaining: Math.max(0, limit - this.points.spentIn(key, now)),
              resetAtMs: nextHourMs(now),
              // Only "tenant-app-quota" has been seen on live answers; "global-app-quota" is the emulator's.
              policy: { name: policy, windowSeconds: HOUR_MS / 1000 },
            },
          ],
    );
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
