import type { BitbucketProfile } from './bitbucket-profile.js';
import { getJsonWithBearer, ProviderHttpError } from './provider-http.js';
import type { ProviderProfile } from './provider-profile.interface.js';
import type { TokenLifecycleRules } from './token-lifecycle-rules.js';

/**
 * Everything this package knows about Bitbucket Cloud's OAuth server and user API, as data. Scopes are
 * set on the OAuth consumer, PKCE is not supported, the token endpoint wants a form body and HTTP
 * Basic client authentication, and `/2.0/user` has no email: `/2.0/user/emails` does.
 * @internal
 */
export const bitbucketProvider = {
  id: 'bitbucket',
  displayName: 'Bitbucket',
  defaultAuthBaseURL: 'https://bitbucket.org',
  defaultApiBaseURL: 'https://api.bitbucket.org',
  authorizePath: '/site/oauth2/authorize',
  tokenPath: '/site/oauth2/access_token',
  userPath: '/2.0/user',
  emailsPath: '/2.0/user/emails',
  authorizationParams: {},
  tokenRequestStyle: { bodyEncoding: 'form', basicAuth: true },
  lifecycle: {
    // `invalid_request` also answers a malformed request (an encoding bug, a proxy mangling bodies):
    // final only for "Invalid refresh_token", or one such bug would flip every account in one tick.
    refreshRefusals: [
      { error: 'invalid_grant' },
      { error: 'invalid_request', description: /refresh.?token/i },
    ],
    // Unused refresh tokens expire after 3 months; used ones die about 10 minutes later (May 2026).
    accessTokenLifetimeSeconds: 7200,
    refreshTokenInactivityDays: 90,
    refreshTokenReuseLeewaySeconds: 600,
    // Bitbucket documents no absolute lifetime for a consent.
    consentLifetimeDays: null,
  } satisfies TokenLifecycleRules,
  /** Most email pages followed; a user has a handful of addresses. */
  maxEmailPages: 10,
} as const;

/** Shape of `GET /2.0/user`: the profile without the email this package adds. */
export type BitbucketUserResponse = Partial<Omit<BitbucketProfile, 'email'>>;

/** One element of `GET /2.0/user/emails`. */
export interface BitbucketEmail {
  email: string;
  is_primary: boolean;
  is_confirmed: boolean;
}

/**
 * Maps `/2.0/user` and the user's emails to a profile that keeps the whole answer; the email is the
 * confirmed primary one, or none.
 */
export function mapBitbucketProfile(
  user: BitbucketUserResponse,
  emails: BitbucketEmail[],
  fetchedAt: Date,
): ProviderProfile {
  if (typeof user?.account_id !== 'string' || user.account_id === '') {
    throw new TypeError('Bitbucket /2.0/user response has no account_id');
  }
  const email = emails.find((entry) => entry.is_primary && entry.is_confirmed)?.email ?? null;
  return {
    provider: bitbucketProvider.id,
    providerAccountId: user.account_id,
    email,
    displayName: user.display_name ?? user.nickname ?? user.username ?? null,
    avatarUrl: user.links?.avatar?.href ?? null,
    // Bitbucket's field names, which merged() must not take; once per sign-in.
    // oxlint-disable-next-line nestjs-atlassian/no-spread-then-properties
    profile: { ...user, email } as BitbucketProfile,
    profileFetchedAt: fetchedAt,
  };
}

/**
 * `/2.0/user` plus every page of `/2.0/user/emails` (a consumer without the email scope gets none),
 * fetched at `now()` (read when the answers arrived).
 */
export async function loadBitbucketProfile(
  apiBaseURL: string,
  accessToken: string,
  timeoutMs: number,
  now: () => Date,
): Promise<ProviderProfile> {
  const user = await getJsonWithBearer<BitbucketUserResponse>(
    apiBaseURL + bitbucketProvider.userPath,
    accessToken,
    timeoutMs,
  );
  const emails = await loadBitbucketEmails(apiBaseURL, accessToken, timeoutMs);
  return mapBitbucketProfile(user, emails, now());
}

async function loadBitbucketEmails(
  apiBaseURL: string,
  accessToken: string,
  timeoutMs: number,
): Promise<BitbucketEmail[]> {
  const emails: BitbucketEmail[] = [];
  let url: string | undefined = apiBaseURL + bitbucketProvider.emailsPath;
  for (let page = 0; url && page < bitbucketProvider.maxEmailPages; page++) {
    let body: { values?: BitbucketEmail[]; next?: string };
    try {
      body = await getJsonWithBearer(url, accessToken, timeoutMs);
    } catch (err) {
      if (err instanceof ProviderHttpError && err.status === 403) return [];
      throw err;
    }
    emails.push(...(body.values ?? []));
    url = body.next;
  }
  return emails;
}
