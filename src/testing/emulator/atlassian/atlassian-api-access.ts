import type { EmulatorSite, EmulatorUser } from '../emulator.types.js';
import type { EmulatorGrant } from '../oauth/emulator-token-store.js';
import type { EmulatorRequest } from '../server/emulator-router.js';
import { bearerToken, json, type EmulatorResponse } from '../server/http-helpers.js';
import type { ServiceAccount } from './atlassian-service-accounts.js';
import type { AtlassianState } from './atlassian-state.js';

/** api.atlassian.com's answer to a missing, unknown, expired or revoked token. */
export const UNAUTHORIZED = (): EmulatorResponse =>
  json(401, { code: 401, message: 'Unauthorized' });

/** api.atlassian.com's answer to a valid token that lacks the scope: refreshing does not help. */
export const SCOPE_MISMATCH = (): EmulatorResponse =>
  json(401, { code: 401, message: 'Unauthorized; scope does not match' });

/** Who is calling, proven by a live bearer token: a person (3LO) or a service account (client credentials). */
export interface ApiCaller {
  grant: EmulatorGrant;
  /** Set for a user's grant. */
  user?: EmulatorUser;
  /** Set for a service account's token. */
  serviceAccount?: ServiceAccount;
  /** The sites behind the grant, as they are now: the user's, or those the service account reaches. */
  sites: EmulatorSite[];
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
  const caller = grant && identify(atlassian, grant);
  if (!caller) return UNAUTHORIZED();
  if (anyOfScopes && !anyOfScopes.some((scope) => caller.grant.scopes.includes(scope)))
    return SCOPE_MISMATCH();
  return caller;
}

function identify(atlassian: AtlassianState, grant: EmulatorGrant): ApiCaller | undefined {
  if (grant.origin === 'client_credentials') {
    const serviceAccount = atlassian.serviceAccounts.get(grant.clientId);
    return serviceAccount && { grant, serviceAccount, sites: serviceAccount.sites };
  }
  const user = atlassian.directory.user(grant.accountId);
  return user && { grant, user, sites: user.sites };
}

/** True when `authenticateCaller` refused the request. */
export function isRefusal(result: ApiCaller | EmulatorResponse): result is EmulatorResponse {
  return 'status' in result;
}

/** The caller's current sites that share at least one scope with the grant (the accessible resources). */
export function grantedSites(caller: ApiCaller): GrantedSite[] {
  return caller.sites
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
