/**
 * Atlassian's points-based rate limits (enforced on Jira and Confluence since March 2026), as the emulator
 * plays them on the `/ex/jira/{cloudId}/…` and `/ex/confluence/{cloudId}/…` routes. Every limit is off
 * unless set; with none set the routes answer as if there were no limits and send no rate-limit headers.
 */
export interface EmulatorRateLimits {
  /**
   * Tier 1, the global pool: points one app (a 3LO client id or a service-account client id) may spend per
   * product per UTC hour, shared by every site. A call costs 1 point plus 1 per object it returns (writes:
   * 1). Refused with `RateLimit-Reason: jira-quota-global-based` (`confluence-…`). Default: no limit.
   */
  appPointsPerHour?: number;
  /**
   * Tier 2, the per-site pool: points one app may spend per product per site per UTC hour; one number for
   * every site, or a number per cloudId (sites left out are unlimited). Refused with
   * `jira-quota-tenant-based` (`confluence-…`). Default: no limit.
   */
  sitePointsPerHour?: number | Record<string, number>;
  /**
   * Burst limits, `jira-burst-based` (`confluence-…`): each rule allows `requests` per sliding window, counted
   * per app, site and endpoint (method and path template). Default: none.
   */
  burst?: EmulatorBurstLimit[];
  /**
   * Per-issue write limits on Jira, `jira-per-issue-on-write`, counted per issue whoever writes: `true` for
   * Atlassian's 20 writes per 2 seconds and 100 per 30 seconds, or windows of your own. Default: off.
   */
  perIssueWrites?: boolean | EmulatorWriteLimit[];
  /**
   * Names of the headers: `'plain'` (`RateLimit-Reason`, `X-RateLimit-Reset`, …), `'beta'` (the trial's
   * `X-Beta-RateLimit-Reason`, `Beta-RateLimit`, …) or `'both'` side by side. Default `'plain'`.
   */
  headerForm?: EmulatorRateLimitHeaderForm;
  /** Send `Retry-After` on a 429; `false` plays a gateway 429 that has none. Default `true`. */
  retryAfter?: boolean;
}

/** Which names the rate-limit headers carry: today's, the 2026 trial's `Beta-` / `X-Beta-` ones, or both. */
export type EmulatorRateLimitHeaderForm = 'plain' | 'beta' | 'both';

/** One burst rule: at most `requests` calls per `windowSeconds` per app, site and endpoint. */
export interface EmulatorBurstLimit {
  /**
   * The endpoint it applies to, as `METHOD path-template` under the product base, e.g.
   * `'GET /rest/api/3/search/jql'` or `'GET /wiki/api/v2/spaces'`; default every endpoint, each counted apart.
   */
  endpoint?: string;
  /** Calls allowed in any window. */
  requests: number;
  /** Length of the sliding window, in seconds (fractions allowed); default 1. */
  windowSeconds?: number;
}

/** One per-issue write window: at most `writes` successful writes to one issue per `windowSeconds`. */
export interface EmulatorWriteLimit {
  /** Writes allowed in any window. */
  writes: number;
  /** Length of the sliding window, in seconds. */
  windowSeconds: number;
}
