import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import {
  authenticateCaller,
  grantedSite,
  isRefusal,
  type ApiCaller,
  type GrantedSite,
} from './atlassian-api-access.js';
import type { AtlassianState } from './atlassian-state.js';

const JIRA = '^/ex/jira/(?<cloudId>[^/]+)/rest/api/3';
const CONFLUENCE = '^/ex/confluence/(?<cloudId>[^/]+)/wiki/api/v2';
const JIRA_USER_SCOPES = ['read:jira-user', 'read:jira-work'];
const JIRA_PROJECT_SCOPES = ['read:jira-work', 'read:project:jira'];
const CONFLUENCE_SPACE_SCOPES = ['read:confluence-space.summary', 'read:space:confluence'];

type ProductHandler = (
  caller: ApiCaller,
  granted: GrantedSite,
  request: EmulatorRequest,
) => EmulatorResponse;

/** A few Jira and Confluence endpoints under `api.atlassian.com/ex/{product}/{cloudId}`, scope and site checked. */
export function atlassianProductRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  const jira = (scopes: string[], handler: ProductHandler) =>
    guarded(atlassian, 'jira', scopes, handler);
  const confluence = (scopes: string[], handler: ProductHandler) =>
    guarded(atlassian, 'confluence', scopes, handler);
  return {
    endpoints: [
      {
        method: 'GET',
        path: new RegExp(`${JIRA}/myself$`),
        route: 'jira',
        handle: jira(JIRA_USER_SCOPES, myself),
      },
      {
        method: 'GET',
        path: new RegExp(`${JIRA}/project/search$`),
        route: 'jira',
        handle: jira(JIRA_PROJECT_SCOPES, projectSearch),
      },
      {
        method: 'GET',
        path: new RegExp(`${JIRA}/project$`),
        route: 'jira',
        handle: jira(JIRA_PROJECT_SCOPES, projects),
      },
      {
        method: 'GET',
        path: new RegExp(`${CONFLUENCE}/spaces$`),
        route: 'confluence',
        handle: confluence(CONFLUENCE_SPACE_SCOPES, spaces),
      },
    ],
    prefixes: [
      { prefix: '/ex/jira/', route: 'jira' },
      { prefix: '/ex/confluence/', route: 'confluence' },
    ],
  };
}

/** Token, then scope (401), then a site the grant reaches for this product (404), then the handler. */
function guarded(
  atlassian: AtlassianState,
  product: 'jira' | 'confluence',
  scopes: string[],
  handler: ProductHandler,
) {
  return (request: EmulatorRequest): EmulatorResponse => {
    const caller = authenticateCaller(atlassian, request, scopes);
    if (isRefusal(caller)) return caller;
    const granted = grantedSite(caller, request.params.cloudId);
    if (!granted || !granted.scopes.some((scope) => scope.includes(product)))
      return siteNotFound(product);
    return handler(caller, granted, request);
  };
}

function siteNotFound(product: 'jira' | 'confluence'): EmulatorResponse {
  if (product === 'jira') return json(404, { errorMessages: ['Site not found'] });
  return json(404, {
    errors: [{ status: 404, code: 'NOT_FOUND', title: 'Site not found', detail: null }],
  });
}

function myself({ user }: ApiCaller): EmulatorResponse {
  return json(200, {
    accountId: user.accountId,
    accountType: 'atlassian',
    emailAddress: user.email,
    displayName: user.name,
    active: true,
    timeZone: 'Europe/London',
  });
}

function projectSearch(
  _caller: ApiCaller,
  { site }: GrantedSite,
  { query }: EmulatorRequest,
): EmulatorResponse {
  const startAt = integerParam(query.get('startAt'), 0, 0, Number.MAX_SAFE_INTEGER);
  const maxResults = integerParam(query.get('maxResults'), 50, 0, 100);
  const values = site.projects
    .slice(startAt, startAt + maxResults)
    .map(({ id, key, name }) => ({ id, key, name }));
  const total = site.projects.length;
  return json(200, {
    startAt,
    maxResults,
    total,
    isLast: startAt + values.length >= total,
    values,
  });
}

function projects(_caller: ApiCaller, { site }: GrantedSite): EmulatorResponse {
  return json(
    200,
    site.projects.map(({ id, key, name }) => ({ id, key, name })),
  );
}

function spaces(
  _caller: ApiCaller,
  { site }: GrantedSite,
  { query }: EmulatorRequest,
): EmulatorResponse {
  const limit = integerParam(query.get('limit'), 25, 1, 250);
  const offset = integerParam(decodeCursor(query.get('cursor')), 0, 0, Number.MAX_SAFE_INTEGER);
  const page = site.spaces.slice(offset, offset + limit);
  const results = page.map(({ id, key, name }) => ({ id, key, name, type: 'global' }));
  const nextOffset = offset + page.length;
  const links: Record<string, string> = {};
  if (nextOffset < site.spaces.length) {
    const cursor = Buffer.from(String(nextOffset)).toString('base64url');
    links.next = `/wiki/api/v2/spaces?cursor=${cursor}&limit=${limit}`;
  }
  return json(200, { results, _links: links });
}

/** Jira clamps out-of-range paging values rather than failing; so does the emulator. */
function integerParam(raw: string | null, fallback: number, min: number, max: number): number {
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isNaN(value) ? fallback : Math.min(Math.max(value, min), max);
}

function decodeCursor(cursor: string | null): string | null {
  return cursor === null ? null : Buffer.from(cursor, 'base64url').toString('utf8');
}
