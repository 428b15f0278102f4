import type { EmulatorSite, EmulatorUser } from '../emulator.types.js';
import type { EmulatorGrant } from '../oauth/emulator-token-store.js';
import type { EmulatorRequest } from '../server/emulator-router.js';
import { bearerToken, json, type EmulatorResponse } from '../server/http-helpers.js';
import type { AtlassianState } from './atlassian-state.js';

/** api.atlassian.com's answer to a missing, unknown, expired or revoked token. */
export const UNAUTHORIZED = (): EmulatorResponse =>
  json(401, { code: 401, message: 'Unauthorized' });

/** api.atlassian.com's answer to a valid token that lacks the scope: refreshing does not help. */
export const SCOPE_MISMATCH = (): EmulatorResponse =>
  json(401, { code: 401, message: 'Unauthorized; scope does not match' });

/** Who is calling, proven by a live bearer token. */
export interface ApiCaller {
  grant: EmulatorGrant;
  user: EmulatorUser;
}

/** A site the caller reaches, with the scopes its grant holds there. */
export interface GrantedSite {
  site: EmulatorSite;
  scopes: string[];
}

/** Authenticate the bearer token and, when `anyOfScopes` is given, require one of them. */
export function authenticateCaller(
  atlassian: AtlassianState,
  request: EmulatorRequest,
  anyOfScopes?: readonly string[],
): ApiCaller | EmulatorResponse {
  const token = bearerToken(request.headers.authorization);
  const grant = token === undefined ? undefined : atlassian.tokens.grantForAccessToken(token);
  const user = atlassian.directory.user(grant?.accountId);
  if (!grant || !user) return UNAUTHORIZED();
  if (anyOfScopes && !anyOfScopes.some((scope) => grant.scopes.includes(scope)))
    return SCOPE_MISMATCH();
  return { grant, user };
}

/** True when `authenticateCaller` refused the request. */
export function isRefusal(result: ApiCaller | EmulatorResponse): result is EmulatorResponse {
  return 'status' in result;
}

/** The user's current sites that share at least one scope with the grant (the accessible resources). */
export function grantedSites(caller: ApiCaller): GrantedSite[] {
  return caller.user.sites
    .map((site) => ({
      site,
      scopes: site.scopes.filter((scope) => caller.grant.scopes.includes(scope)),
    }))
    .filter((entry) => entry.scopes.length > 0);
}

/** The granted site with `cloudId`, if the caller can reach it. */
export function grantedSite(
  caller: ApiCaller,
  cloudId: string | undefined,
): GrantedSite | undefined {
  return grantedSites(caller).find((entry) => entry.site.id === cloudId);
}
