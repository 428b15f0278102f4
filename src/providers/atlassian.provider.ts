import type { AtlassianProfile } from './atlassian-profile.js';
import { getJsonWithBearer } from './provider-http.js';
import type { ProviderProfile, SiteData } from './provider-profile.interface.js';
import type { TokenLifecycleRules } from './token-lifecycle-rules.js';

/**
 * Everything this package knows about Atlassian's OAuth 2.0 (3LO) server and identity API, as data:
 * the Nest layer adapts it and never repeats it. Facts from Atlassian's developer documentation.
 * @internal
 */
export const atlassianProvider = {
  id: 'atlassian',
  displayName: 'Atlassian',
  defaultAuthBaseURL: 'https://auth.atlassian.com',
  defaultApiBaseURL: 'https://api.atlassian.com',
  authorizePath: '/authorize',
  tokenPath: '/oauth/token',
  mePath: '/me',
  accessibleResourcesPath: '/oauth/token/accessible-resources',
  /** `read:me` for the profile, `offline_access` for a refresh token: without them sign-in is useless. */
  requiredScopes: ['read:me', 'offline_access'],
  /** Fixed authorize parameters; `prompt=consent` makes Atlassian show the site picker every time. */
  authorizationParams: { audience: 'api.atlassian.com', prompt: 'consent' },
  /**
   * A service account's OAuth 2.0 credential: the client credentials grant, no `audience`, no `scope`
   * (the org admin fixed them), a 60-minute token and no refresh token.
   */
  serviceAccountTokenParams: { grant_type: 'client_credentials' },
  /** Atlassian documents JSON bodies with the client secret in them. */
  tokenRequestStyle: { bodyEncoding: 'json', basicAuth: false },
  lifecycle: {
    // `unauthorized_client` also answers a wrong client secret: final only when it blames the refresh token.
    refreshRefusals: [
      { error: 'invalid_grant' },
      { error: 'unauthorized_client', description: /refresh.?token/i },
    ],
    accessTokenLifetimeSeconds: 3600,
    refreshTokenInactivityDays: 90,
    refreshTokenReuseLeewaySeconds: 600,
    consentLifetimeDays: 365,
  } satisfies TokenLifecycleRules,
} as const;

/** One element of `GET /oauth/token/accessible-resources`. */
export interface AtlassianAccessibleResource {
  id: string;
  name: string;
  url: string;
  scopes?: string[];
  avatarUrl?: string;
}

/**
 * Maps `GET /me` to a profile that keeps the whole answer; throws when it has no account id. The
 * summary fields tolerate what the documentation promises but an answer may still lack.
 */
export function mapAtlassianProfile(
  me: Partial<AtlassianProfile>,
  fetchedAt: Date,
): ProviderProfile {
  if (typeof me?.account_id !== 'string' || me.account_id === '') {
    throw new TypeError('Atlassian /me response has no account_id');
  }
  return {
    provider: atlassianProvider.id,
    providerAccountId: me.account_id,
    email: me.email ?? null,
    displayName: me.name ?? me.nickname ?? null,
    avatarUrl: me.picture ?? null,
    profile: me as AtlassianProfile,
    profileFetchedAt: fetchedAt,
  };
}

/** Maps accessible resources to sites, sorted by URL because Atlassian returns them in no stable order. */
export function mapAtlassianSites(resources: AtlassianAccessibleResource[]): SiteData[] {
  if (!Array.isArray(resources))
    throw new TypeError('Atlassian accessible-resources response is not an array');
  return resources
    .map((resource) => ({
      cloudId: resource.id,
      name: resource.name,
      url: resource.url,
      scopes: resource.scopes ?? [],
      avatarUrl: resource.avatarUrl ?? null,
    }))
    .sort((a, b) => a.url.localeCompare(b.url));
}

/** `GET /me`, mapped to a profile fetched at `now()` (read when the answer arrived). */
export async function loadAtlassianProfile(
  apiBaseURL: string,
  accessToken: string,
  timeoutMs: number,
  now: () => Date,
): Promise<ProviderProfile> {
  const me = await getJsonWithBearer<Partial<AtlassianProfile>>(
    apiBaseURL + atlassianProvider.mePath,
    accessToken,
    timeoutMs,
  );
  return mapAtlassianProfile(me, now());
}

/** `GET /oauth/token/accessible-resources`, mapped to sites. */
export async function loadAtlassianSites(
  apiBaseURL: string,
  accessToken: string,
  timeoutMs: number,
): Promise<SiteData[]> {
  return mapAtlassianSites(
    await getJsonWithBearer<AtlassianAccessibleResource[]>(
      apiBaseURL + atlassianProvider.accessibleResourcesPath,
      accessToken,
      timeoutMs,
    ),
  );
}
