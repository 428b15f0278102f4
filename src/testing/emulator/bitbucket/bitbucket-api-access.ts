import type { EmulatorUser } from '../emulator.types.js';
import type { EmulatorGrant } from '../oauth/emulator-token-store.js';
import type { EmulatorRequest } from '../server/emulator-router.js';
import { bearerToken, json, type EmulatorResponse } from '../server/http-helpers.js';
import type { BitbucketState } from './bitbucket-state.js';

/** api.bitbucket.org's error envelope: `{"type":"error","error":{"message", "detail"?}}`. */
export function bitbucketError(
  status: number,
  message: string,
  detail?: unknown,
): EmulatorResponse {
  return json(status, {
    type: 'error',
    error: { message, ...(detail !== undefined ? { detail } : {}) },
  });
}

/** Who is calling api.bitbucket.org, proven by a live Bitbucket access token. */
export interface BitbucketCaller {
  grant: EmulatorGrant;
  user: EmulatorUser;
}

/**
 * Authenticate `Authorization: Bearer` (the only place Bitbucket accepts an access token since May 2026)
 * and require `scope`; a Bitbucket scope error names what was required and what was granted.
 */
export function authenticateBitbucketCaller(
  bitbucket: BitbucketState,
  request: EmulatorRequest,
  scope: string,
): BitbucketCaller | EmulatorResponse {
  if (request.query.has('access_token')) {
    return bitbucketError(
      401,
      'Access tokens in the query string are not accepted: send Authorization: Bearer',
    );
  }
  const token = bearerToken(request.headers.authorization);
  if (token === undefined)
    return bitbucketError(401, 'Authentication required: send Authorization: Bearer');
  const { tokens } = bitbucket;
  if (tokens.accessTokenProblem(token) === 'expired')
    return bitbucketError(401, 'Access token expired.');
  const grant = tokens.grantForAccessToken(token);
  const user = bitbucket.directory.user(grant?.accountId);
  if (!grant || !user) return bitbucketError(401, 'Invalid token');
  if (!grant.scopes.includes(scope)) {
    return bitbucketError(403, 'Your credentials lack one or more required privilege scopes.', {
      required: [scope],
      granted: [...grant.scopes],
    });
  }
  return { grant, user };
}

/** True when `authenticateBitbucketCaller` refused the request. */
export function isBitbucketRefusal(
  result: BitbucketCaller | EmulatorResponse,
): result is EmulatorResponse {
  return 'status' in result;
}
