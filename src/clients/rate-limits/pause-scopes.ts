/** What a rate-limited answer pauses, by its `RateLimit-Reason` (Atlassian's guidance for each). */
export type PauseScope = 'app' | 'site' | 'endpoint' | 'issue';

/**
 * `*-quota-global-based`: every call of the app to that product (the hourly app budget, shared by all
 * sites); `*-quota-tenant-based`: every call of the app to that site; `*-burst-based`: that endpoint
 * and method on that site; `*-per-issue-on-write`: writes to that issue. Anything else (or no reason)
 * concerns the call alone.
 */
export function pauseScopeOf(reason: string | undefined): PauseScope | undefined {
  if (reason === undefined) return undefined;
  if (reason.endsWith('-quota-global-based')) return 'app';
  if (reason.endsWith('-quota-tenant-based')) return 'site';
  if (reason.endsWith('-burst-based')) return 'endpoint';
  if (reason.endsWith('-per-issue-on-write')) return 'issue';
  return undefined;
}

/** A call, as far as rate limits care: who calls (the OAuth client), which product and site, what. */
export interface RateLimitedCall {
  /** The OAuth client id the token belongs to: quotas are per app. */
  clientId: string;
  product: string;
  cloudId?: string;
  method: string;
  /** Path without the query. */
  path: string;
}

/** The keys of the pauses that can hold a call back, one per scope that applies to it. */
export type CallPauseKeys = { [S in PauseScope]?: string };

const READS = new Set(['GET', 'HEAD', 'OPTIONS']);
const ISSUE_PATH = /\/rest\/api\/[23]\/issue\/([^/]+)/;
/** Path segments that name one thing (ids, issue keys, UUIDs), folded so an endpoint is its template. */
const NAMED_SEGMENT =
  /^(\d+|[A-Z][A-Z\d_]*-\d+|[\da-f]{8}-[\da-f]{4}-[\da-f]{4}-[\da-f]{4}-[\da-f]{12})$/i;

/** Keys already worked out, by call: a client calls the same few paths again and again. */
const knownKeys = new Map<string, CallPauseKeys>();
const KNOWN_KEYS_LIMIT = 2_000;

/** The pause keys of a call: app and site for Jira and Confluence, the endpoint, the issue for writes. */
export function callPauseKeys(call: RateLimitedCall): CallPauseKeys {
  const id = `${call.clientId}|${call.product}|${call.cloudId ?? ''}|${call.method}|${call.path}`;
  let keys = knownKeys.get(id);
  if (keys === undefined) {
    if (knownKeys.size >= KNOWN_KEYS_LIMIT) knownKeys.clear();
    keys = pauseKeysOf(call);
    knownKeys.set(id, keys);
  }
  return keys;
}

function pauseKeysOf(call: RateLimitedCall): CallPauseKeys {
  const app = `${call.product}:app:${call.clientId}`;
  const site = call.cloudId ? `${call.product}:site:${call.clientId}:${call.cloudId}` : undefined;
  const template = call.path
    .split('/')
    .map((segment) => (NAMED_SEGMENT.test(segment) && segment !== call.cloudId ? '{id}' : segment))
    .join('/');
  const issue = READS.has(call.method) ? undefined : ISSUE_PATH.exec(call.path)?.[1];
  return {
    app,
    site,
    endpoint: `${call.product}:endpoint:${call.clientId}:${call.method} ${template}`,
    issue: issue && `${call.product}:issue:${call.cloudId ?? ''}:${issue.toUpperCase()}`,
  };
}

/** Scopes whose pauses every instance shares through the database; the others are per process. */
export const SHARED_SCOPES: ReadonlySet<PauseScope> = new Set(['app', 'site']);
