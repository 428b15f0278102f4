import type {
  EmulatorEndpoint,
  EmulatorRequest,
  EmulatorRouteModule,
} from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import { authenticateCaller, grantedSite, isRefusal } from './atlassian-api-access.js';
import type { AtlassianState } from './atlassian-state.js';
import { CONFLUENCE_ENDPOINTS } from './confluence-endpoints.js';
import { JIRA_ENDPOINTS } from './jira-endpoints.js';
import {
  endpointName,
  endpointPattern,
  isWrite,
  type Product,
  type ProductEndpoint,
} from './product-endpoint.js';
import type { LimitedCall } from './rate-limits/limited-call.js';

const PRODUCT_ENDPOINTS: readonly ProductEndpoint[] = [...JIRA_ENDPOINTS, ...CONFLUENCE_ENDPOINTS];

/** Every emulated Jira and Confluence endpoint by name (`METHOD path-template`), for burst rules and docs. */
export const PRODUCT_ENDPOINT_NAMES: readonly string[] = PRODUCT_ENDPOINTS.map(endpointName);

/** The Jira and Confluence endpoints under `api.atlassian.com/ex/{product}/{cloudId}`, behind the gateway's checks. */
export function atlassianProductRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  return {
    endpoints: PRODUCT_ENDPOINTS.map((endpoint): EmulatorEndpoint => ({
      method: endpoint.method,
      path: endpointPattern(endpoint),
      route: endpoint.product,
      handle: (request) => throughGateway(atlassian, endpoint, request),
    })),
    prefixes: [
      { prefix: '/ex/jira/', route: 'jira' },
      { prefix: '/ex/confluence/', route: 'confluence' },
    ],
  };
}

/**
 * Token, then scope (401), then a site the grant reaches for this product (404), then the rate limits (429,
 * free), then the product; what the product answered is charged and carries the rate-limit headers.
 */
function throughGateway(
  atlassian: AtlassianState,
  endpoint: ProductEndpoint,
  request: EmulatorRequest,
): EmulatorResponse {
  const caller = authenticateCaller(atlassian, request, endpoint.scopes);
  if (isRefusal(caller)) return caller;
  const granted = grantedSite(caller, request.params.cloudId);
  if (!granted || !granted.scopes.some((scope) => scope.includes(endpoint.product)))
    return siteNotFound(endpoint.product);
  request.params = decodeParams(request.params);
  const name = endpointName(endpoint);
  Object.assign(request.note, {
    clientId: caller.grant.clientId,
    cloudId: granted.site.id,
    endpoint: name,
  });
  const issue =
    endpoint.issueParam === undefined
      ? undefined
      : atlassian.issues.find(granted.site, request.params[endpoint.issueParam] ?? '');
  const limited: LimitedCall = {
    product: endpoint.product,
    clientId: caller.grant.clientId,
    cloudId: granted.site.id,
    endpoint: name,
    ...(issue ? { issueId: issue.id } : {}),
  };
  const refusal = atlassian.rateLimits.refuse(limited);
  if (refusal) {
    request.note.rateLimitReason = refusal.reason;
    return refusal.response;
  }
  const { response, objects } = endpoint.handle({ caller, granted, request, atlassian });
  const points = isWrite(endpoint) ? 1 : 1 + objects;
  request.note.points = points;
  const wroteIssue = issue !== undefined && response.status < 300;
  const headers = atlassian.rateLimits.admit(limited, points, wroteIssue);
  return { ...response, headers: { ...response.headers, ...headers } };
}

/**
 * api.atlassian.com's answer for a cloudId the grant does not reach: unknown, gone from the user's sites or
 * the service account's, or without this product. The status is 404, as clients written against the live
 * gateway report ("a 404 against the gateway indicates a wrong Cloud ID", apache/devlake); its body could not
 * be confirmed from public material, so this one, in each product's error shape, is the emulator's own. A
 * product 404 (a missing issue) is told apart by Jira's own words and by the site still being accessible.
 */
function siteNotFound(product: Product): EmulatorResponse {
  if (product === 'jira') return json(404, { errorMessages: ['Site not found'] });
  return json(404, {
    errors: [{ status: 404, code: 'NOT_FOUND', title: 'Site not found', detail: null }],
  });
}

/** Path parameters as sent, percent-decoding undone (an issue key may arrive encoded). */
function decodeParams(params: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(params).map(([name, value]) => {
      try {
        return [name, decodeURIComponent(value)];
      } catch {
        return [name, value];
      }
    }),
  );
}
