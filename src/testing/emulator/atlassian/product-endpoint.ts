import type { EmulatorRequest } from '../server/emulator-router.js';
import type { EmulatorResponse } from '../server/http-helpers.js';
import type { ApiCaller, GrantedSite } from './atlassian-api-access.js';
import type { AtlassianState } from './atlassian-state.js';

/** The products served under `api.atlassian.com/ex/{product}/{cloudId}`. */
export type Product = 'jira' | 'confluence';

/** What a product endpoint answered, and how many objects it returned (the points a read costs beyond 1). */
export interface ProductAnswer {
  response: EmulatorResponse;
  objects: number;
}

/** What a product endpoint handles: the authenticated caller, the site, the request and the state. */
export interface ProductCall {
  caller: ApiCaller;
  granted: GrantedSite;
  request: EmulatorRequest;
  atlassian: AtlassianState;
}

/** One Jira or Confluence endpoint: where it is, the scopes it takes, and its handler. */
export interface ProductEndpoint {
  product: Product;
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Atlassian's path template under the product base, e.g. `/rest/api/3/issue/{issueIdOrKey}`. */
  path: string;
  /** Any one of these lets the call through (classic and granular scopes). */
  scopes: readonly string[];
  /** For a write to one Jira issue: the path parameter naming the issue (per-issue write limits). */
  issueParam?: string;
  handle(call: ProductCall): ProductAnswer;
}

/** The endpoint's name in calls, burst rules and docs: `METHOD path-template`. */
export function endpointName(endpoint: ProductEndpoint): string {
  return `${endpoint.method} ${endpoint.path}`;
}

/** The full path pattern, `/ex/{product}/{cloudId}` plus the template, each `{param}` a named group. */
export function endpointPattern(endpoint: ProductEndpoint): RegExp {
  const path = endpoint.path
    .split(/(\{\w+\})/)
    .map((part) =>
      /^\{\w+\}$/.test(part)
        ? `(?<${part.slice(1, -1)}>[^/]+)`
        : part.replace(/[.*+?^$()|[\]\\]/g, '\\$&'),
    )
    .join('');
  return new RegExp(`^/ex/${endpoint.product}/(?<cloudId>[^/]+)${path}$`);
}

/** Whether a call to `endpoint` is a write: writes cost 1 point whatever they return. */
export function isWrite(endpoint: ProductEndpoint): boolean {
  return endpoint.method !== 'GET';
}
