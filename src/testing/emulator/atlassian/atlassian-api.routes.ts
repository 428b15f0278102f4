import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import { authenticateCaller, grantedSites, isRefusal } from './atlassian-api-access.js';
import type { AtlassianState } from './atlassian-state.js';

/** api.atlassian.com's identity endpoints: `GET /me` and `GET /oauth/token/accessible-resources`. */
export function atlassianApiRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  return {
    endpoints: [
      { method: 'GET', path: '/me', route: 'me', handle: (request) => me(atlassian, request) },
      {
        method: 'GET',
        path: '/oauth/token/accessible-resources',
        route: 'accessible-resources',
        handle: (request) => accessibleResources(atlassian, request),
      },
    ],
  };
}

function me(atlassian: AtlassianState, request: EmulatorRequest): EmulatorResponse {
  const caller = authenticateCaller(atlassian, request, ['read:me']);
  if (isRefusal(caller)) return caller;
  const { user, serviceAccount } = caller;
  if (!user) {
    // A service account is an account of type "app"; it has no avatar or profile of a person.
    return json(200, {
      account_id: serviceAccount!.accountId,
      account_type: 'app',
      email: serviceAccount!.email,
      name: serviceAccount!.name,
      account_status: 'active',
      nickname: serviceAccount!.name,
      extended_profile: {},
    });
  }
  return json(200, {
    account_id: user.accountId,
    account_type: user.accountType,
    email: user.email,
    ...(user.emailVerified !== undefined ? { email_verified: user.emailVerified } : {}),
    name: user.name,
    picture: user.picture,
    account_status: user.accountStatus,
    nickname: user.nickname,
    zoneinfo: user.zoneinfo,
    locale: user.locale,
    extended_profile: user.extendedProfile,
    last_updated: user.lastUpdated,
  });
}

function accessibleResources(
  atlassian: AtlassianState,
  request: EmulatorRequest,
): EmulatorResponse {
  const caller = authenticateCaller(atlassian, request);
  if (isRefusal(caller)) return caller;
  const resources = grantedSites(caller).map(({ site, scopes }) => ({
    id: site.id,
    name: site.name,
    url: site.url,
    scopes,
    avatarUrl: site.avatarUrl,
  }));
  // Atlassian promises no order: rotate on every call so code that takes "the first site" shows up in tests.
  const shift = resources.length === 0 ? 0 : atlassian.resourceRotation++ % resources.length;
  return json(200, [...resources.slice(shift), ...resources.slice(0, shift)]);
}
