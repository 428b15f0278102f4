import type { EmulatorTokenResponse } from '../emulator.types.js';
import { mintJwtLike } from '../oauth/emulator-credentials.js';
import type { EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { oauthFailure } from '../oauth/oauth-outcome.js';
import type { TokenProfile } from '../oauth/token-profile.js';

/** Atlassian's answer to a refresh token that is unknown, expired, reused too late or revoked. */
export const INVALID_REFRESH_TOKEN = oauthFailure(
  403,
  'invalid_grant',
  'Unknown or invalid refresh token.',
);

/** An access token (JWT-like, over 1000 characters, as Atlassian's). */
function mintAccessToken(): string {
  return mintJwtLike('access', 768);
}

/** A refresh token (JWT-like, several hundred characters). */
function mintRefreshToken(): string {
  return mintJwtLike('refresh', 384);
}

/**
 * auth.atlassian.com: a refresh token only with `offline_access` and never for a service account (it asks
 * again), one refusal for every reason.
 */
export function atlassianTokenProfile(
  durations: EmulatorTokenDurations,
): TokenProfile<EmulatorTokenResponse> {
  return {
    durations,
    mintAccessToken,
    mintRefreshToken,
    issuesRefreshToken: (grant) =>
      grant.origin === 'authorization_code' && grant.scopes.includes('offline_access'),
    body: ({ accessToken, refreshToken, expiresInSeconds, grant }) => ({
      access_token: accessToken,
      expires_in: expiresInSeconds,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
      ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    }),
    refusal: () => INVALID_REFRESH_TOKEN,
  };
}
