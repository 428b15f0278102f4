import type { TokenSet } from './provider-profile.interface.js';

/**
 * Normalises a token endpoint response. Atlassian sends `scope` (space separated); Bitbucket sent
 * `scopes` before May 2026 and `scope` after: both are read. Without `expires_in` the expiry is unknown.
 */
export function toTokenSet(
  params: Record<string, unknown>,
  now: Date,
  fallbackScopes: string[] = [],
): TokenSet {
  const accessToken = params.access_token;
  if (typeof accessToken !== 'string' || accessToken === '')
    throw new TypeError('token response has no access_token');
  const expiresIn = Number(params.expires_in);
  const scopeText =
    typeof params.scope === 'string'
      ? params.scope
      : typeof params.scopes === 'string'
        ? params.scopes
        : undefined;
  return {
    accessToken,
    refreshToken:
      typeof params.refresh_token === 'string' && params.refresh_token !== ''
        ? params.refresh_token
        : null,
    accessTokenExpiresAt:
      Number.isFinite(expiresIn) && expiresIn > 0
        ? new Date(now.getTime() + expiresIn * 1000)
        : null,
    scopes: scopeText !== undefined ? scopeText.split(/[\s,]+/).filter(Boolean) : fallbackScopes,
  };
}
