import { normalizeSite } from './atlassian/atlassian-sites.js';
import { bitbucketIdentity } from './bitbucket/bitbucket-identity.js';
import type { EmulatorUser, EmulatorUserInput } from './emulator.types.js';

const DEFAULT_PICTURE =
  'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-avatar.png';

/** `last_updated` of a user who never changed their profile in a test. */
const DEFAULT_LAST_UPDATED = '2026-01-05T09:00:00.000Z';

/**
 * One person on both providers: the Atlassian account with its sites, and the Bitbucket identity derived
 * from it. Built here, where both rooms meet, so the shared directory knows neither.
 */
export function createEmulatorUser(input: EmulatorUserInput): EmulatorUser {
  const email = input.email ?? `${input.accountId}@example.com`;
  const nickname = input.nickname ?? input.name.split(' ')[0] ?? input.name;
  const user: EmulatorUser = {
    accountId: input.accountId,
    email,
    name: input.name,
    picture: input.picture ?? DEFAULT_PICTURE,
    accountStatus: input.accountStatus ?? 'active',
    accountType: input.accountType ?? 'atlassian',
    nickname,
    zoneinfo: input.zoneinfo ?? 'Europe/London',
    locale: input.locale ?? 'en-GB',
    extendedProfile: { ...input.extendedProfile },
    lastUpdated: input.lastUpdated ?? DEFAULT_LAST_UPDATED,
    sites: (input.sites ?? []).map(normalizeSite),
    bitbucket: bitbucketIdentity(
      { accountId: input.accountId, name: input.name, nickname, email },
      input.bitbucket,
    ),
  };
  if (input.emailVerified !== undefined) user.emailVerified = input.emailVerified;
  return user;
}
