import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import {
  authenticateBitbucketCaller,
  bitbucketError,
  isBitbucketRefusal,
} from './bitbucket-api-access.js';
import { bitbucketPage } from './bitbucket-pagination.js';
import type { BitbucketState } from './bitbucket-state.js';

const REPOSITORIES = /^\/2\.0\/repositories\/(?<workspace>[^/]+)\/?$/;

/** api.bitbucket.org: `GET /2.0/user`, `/2.0/user/emails` and `/2.0/repositories/{workspace}`. */
export function bitbucketApiRoutes(bitbucket: BitbucketState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'GET',
        path: '/2.0/user',
        route: 'bitbucket-user',
        handle: (request) => user(bitbucket, request),
      },
      {
        method: 'GET',
        path: '/2.0/user/emails',
        route: 'bitbucket-emails',
        handle: (request) => emails(bitbucket, request),
      },
      {
        method: 'GET',
        path: REPOSITORIES,
        route: 'bitbucket-repositories',
        handle: (request) => repositories(bitbucket, request),
      },
    ],
    prefixes: [
      { prefix: '/2.0/repositories/', route: 'bitbucket-repositories' },
      { prefix: '/2.0/user/', route: 'bitbucket-user' },
    ],
  };
}

/** The profile, without any email (Bitbucket keeps addresses behind `/user/emails`). */
function user(bitbucket: BitbucketState, request: EmulatorRequest): EmulatorResponse {
  const caller = authenticateBitbucketCaller(bitbucket, request, 'account');
  if (isBitbucketRefusal(caller)) return caller;
  const { user: person } = caller;
  const identity = person.bitbucket;
  return json(200, {
    type: 'user',
    uuid: identity.uuid,
    account_id: person.accountId,
    username: identity.username,
    display_name: person.name,
    nickname: identity.nickname,
    // One account on both providers: deactivating it at Atlassian deactivates it here.
    account_status: person.accountStatus,
    created_on: identity.createdOn,
    has_2fa_enabled: identity.has2faEnabled,
    is_staff: identity.isStaff,
    location: identity.location,
    links: {
      self: { href: `https://api.bitbucket.org/2.0/users/${encodeURIComponent(identity.uuid)}` },
      avatar: { href: person.picture },
      html: { href: `https://bitbucket.org/${encodeURIComponent(identity.uuid)}/` },
    },
  });
}

function emails(bitbucket: BitbucketState, request: EmulatorRequest): EmulatorResponse {
  const caller = authenticateBitbucketCaller(bitbucket, request, 'email');
  if (isBitbucketRefusal(caller)) return caller;
  return bitbucketPage(
    caller.user.bitbucket.emails.map((entry) => ({ type: 'email', ...entry })),
    request,
  );
}

/** Only the caller's own workspaces are known; any other slug is a 404. */
function repositories(bitbucket: BitbucketState, request: EmulatorRequest): EmulatorResponse {
  const caller = authenticateBitbucketCaller(bitbucket, request, 'repository');
  if (isBitbucketRefusal(caller)) return caller;
  const slug = decodeSegment(request.params.workspace ?? '');
  const workspace = caller.user.bitbucket.workspaces.find((entry) => entry.slug === slug);
  if (!workspace) return bitbucketError(404, `No workspace with identifier '${slug}'.`);
  const values = workspace.repositories.map((repository) => ({
    type: 'repository',
    uuid: repository.uuid,
    name: repository.name,
    full_name: `${workspace.slug}/${repository.slug}`,
    slug: repository.slug,
    is_private: repository.is_private,
    links: { html: { href: `https://bitbucket.org/${workspace.slug}/${repository.slug}` } },
  }));
  return bitbucketPage(values, request);
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
