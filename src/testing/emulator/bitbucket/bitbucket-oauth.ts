import type { BitbucketScopeField, EmulatorBitbucketTokenResponse } from '../bitbucket.types.js';
import { mintJwtLike } from '../oauth/emulator-credentials.js';
import type { EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { oauthFailure, type OAuthFailure } from '../oauth/oauth-outcome.js';
import type { RefreshRefusalReason, TokenProfile } from '../oauth/token-profile.js';

/** bitbucket.org's answer to a token request without HTTP Basic client authentication. */
export const BITBUCKET_CLIENT_CREDENTIALS_MISSING = oauthFailure(
  401,
  'invalid_client',
  'Client credentials missing; this request needs to be authenticated with the OAuth client id and secret',
);

/** bitbucket.org's answer to HTTP Basic credentials of no consumer, or a wrong secret. */
export const BITBUCKET_INVALID_CLIENT = oauthFailure(
  401,
  'invalid_client',
  'Invalid OAuth client credentials',
);

/** bitbucket.org's answer to a bad, used or expired authorization code. */
export const BITBUCKET_INVALID_CODE = oauthFailure(
  400,
  'invalid_grant',
  'The specified code is not valid.',
);

/** bitbucket.org's answer to a body that is not a form. */
export const BITBUCKET_FORM_REQUIRED = oauthFailure(
  400,
  'invalid_request',
  'The request body must be application/x-www-form-urlencoded',
);

/** Bitbucket words refusals two ways: an unknown token is a bad request, a known but dead one a bad grant. */
export function bitbucketRefusal(reason: RefreshRefusalReason): OAuthFailure {
  return oauthFailure(
    400,
    reason === 'unknown' ? 'invalid_request' : 'invalid_grant',
    'Invalid refresh_token',
  );
}

/** A Bitbucket access token: over 2,500 characters, as Bitbucket's are since May 2026. */
function mintBitbucketAccessToken(): string {
  return mintJwtLike('access', 1920, 'https://bitbucket.org');
}

/** A Bitbucket refresh token: over 2,500 characters too. */
function mintBitbucketRefreshToken(): string {
  return mintJwtLike('refresh', 1920, 'https://bitbucket.org');
}

/** bitbucket.org: a refresh token with every grant, long tokens, `scope`/`scopes`, and the grant type echoed as `state`. */
export function bitbucketTokenProfile(
  durations: EmulatorTokenDurations,
  scopeField: BitbucketScopeField,
): TokenProfile<EmulatorBitbucketTokenResponse> {
  return {
    durations,
    mintAccessToken: mintBitbucketAccessToken,
    mintRefreshToken: mintBitbucketRefreshToken,
    issuesRefreshToken: () => true,
    body: ({ accessToken, refreshToken, expiresInSeconds, grant, grantType }) => {
      const scopes = grant.scopes.join(' ');
      return {
        access_token: accessToken,
        ...(scopeField !== 'scope' ? { scopes } : {}),
        ...(scopeField !== 'scopes' ? { scope: scopes } : {}),
        expires_in: expiresInSeconds,
        refresh_token: refreshToken!,
        token_type: 'bearer',
        // bitbucket.org grants begin with a code: it has no client-credentials grant here.
        state: grantType === 'refresh_token' ? 'refresh_token' : 'authorization_code',
      };
    },
    refusal: bitbucketRefusal,
  };
}
