import type { RateLimitSettings } from './rate-limit-settings.js';

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

/** The burst rules that apply to `call`, each with the window key it counts under. */
export function burstRules(settings: RateLimitSettings, call: LimitedCall) {
  return settings.burst.flatMap((rule, index) =>
    rule.endpoint === undefined || rule.endpoint === call.endpoint
      ? [{ ...rule, key: `burst ${index} ${call.clientId} ${call.cloudId} ${call.endpoint}` }]
      : [],
  );
}

/** The app's pool, per product. */
export function appKey(call: LimitedCall): string {
  return `${call.product} ${call.clientId}`;
}

/** The app's pool on one site, per product. */
export function siteKey(call: LimitedCall): string {
  return `${call.product} ${call.clientId} ${call.cloudId}`;
}

/** Per-issue limits count every writer of the issue, whichever app. */
export function issueKey(call: LimitedCall): string {
  return `issue ${call.cloudId} ${call.issueId}`;
}
