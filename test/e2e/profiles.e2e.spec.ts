import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountLinkService,
  AtlassianReauthRequiredError,
  type AtlassianProfile,
  type AuthenticatedUser,
  type BitbucketProfile,
  type LinkedAccount,
  type ResolveUserContext,
} from '../../src/index.js';
import {
  AtlassianEmulator,
  type EmulatorUser,
  type EmulatorUserInput,
} from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  ATLASSIAN_UNDER_TEST,
  BITBUCKET_UNDER_TEST,
  expectNothingStored,
  expectOAuthError,
  OAuthFlowDriver,
  storedPlainTokens,
  storedRows,
  type ProviderUnderTest,
} from '../support/oauth-provider-flow.js';
import { storedAccounts } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 3600_000;

/** A person with every profile field set, on both providers. */
function person(accountId: string, name: string, changes: Partial<EmulatorUserInput> = {}) {
  return {
    accountId,
    name,
    email: `${accountId}@navy.example.com`,
    emailVerified: true,
    picture: `https://avatars.example.com/${accountId}.png`,
    accountType: 'atlassian',
    nickname: `${accountId}-nick`,
    zoneinfo: 'America/New_York',
    locale: 'en-US',
    extendedProfile: {
      job_title: 'Rear Admiral',
      organization: 'US Navy',
      department: 'Computing',
      location: 'Arlington',
    },
    lastUpdated: '2026-02-01T10:00:00.000Z',
    bitbucket: { username: `${accountId}-bb`, location: 'Arlington', has2faEnabled: true },
    ...changes,
  } satisfies EmulatorUserInput;
}

/** `/me` as Atlassian documents it, for a person of the emulator. */
function atlassianProfileOf(user: EmulatorUser): AtlassianProfile {
  return {
    account_id: user.accountId,
    account_type: user.accountType,
    email: user.email,
    email_verified: true,
    name: user.name,
    picture: user.picture,
    account_status: user.accountStatus,
    nickname: user.nickname,
    zoneinfo: user.zoneinfo,
    locale: user.locale,
    extended_profile: user.extendedProfile,
    last_updated: user.lastUpdated,
  };
}

/** `/2.0/user` as Bitbucket documents it, plus the confirmed primary email. */
function bitbucketProfileOf(user: EmulatorUser): BitbucketProfile {
  const uuid = encodeURIComponent(user.bitbucket.uuid);
  return {
    type: 'user',
    uuid: user.bitbucket.uuid,
    account_id: user.accountId,
    username: user.bitbucket.username,
    display_name: user.name,
    nickname: user.nickname,
    account_status: user.accountStatus,
    created_on: user.bitbucket.createdOn,
    has_2fa_enabled: user.bitbucket.has2faEnabled,
    is_staff: user.bitbucket.isStaff,
    location: user.bitbucket.location,
    links: {
      self: { href: `https://api.bitbucket.org/2.0/users/${uuid}` },
      avatar: { href: user.picture },
      html: { href: `https://bitbucket.org/${uuid}/` },
    },
    email: user.email,
  };
}

/** Each provider, with the profile it must store and the route that serves it. */
const PROVIDERS = [
  { under: ATLASSIAN_UNDER_TEST, expected: atlassianProfileOf },
  { under: BITBUCKET_UNDER_TEST, expected: bitbucketProfileOf },
] as const;

describe.each(['sqlite', 'postgres'] as const)(
  'Profiles as the providers give them (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    /** The app's clock runs ahead of the real one by this much: each re-fetch is visibly later. */
    let aheadMs = 0;
    const now = () => new Date(Date.now() + aheadMs);
    const resolved: ResolveUserContext[] = [];
    const drivers = new Map<ProviderUnderTest, OAuthFlowDriver>(
      PROVIDERS.map(({ under }) => [
        under,
        new OAuthFlowDriver(
          under,
          () => app,
          () => emulator,
        ),
      ]),
    );

    async function start(requireActiveAccount?: boolean): Promise<void> {
      emulator = await AtlassianEmulator.start();
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        bitbucket: true,
        now,
        options: {
          ...(requireActiveAccount !== undefined && { requireActiveAccount }),
          resolveUser: (context) => {
            resolved.push(context);
            return `user-${context.profile.providerAccountId}`;
          },
        },
      });
    }

    async function stop(): Promise<void> {
      await app?.close();
      await emulator?.stop();
    }

    async function rowOf(user: AuthenticatedUser): Promise<LinkedAccount> {
      const [row] = await storedAccounts(app.dataSource, [user.account.id]);
      return row!;
    }

    async function signIn(under: ProviderUnderTest, accountId: string): Promise<AuthenticatedUser> {
      return drivers.get(under)!.signInOk({}, { accountId });
    }

    describe('with requireActiveAccount off (the default)', () => {
      beforeAll(() => start());
      afterAll(stop);

      describe.each(PROVIDERS)('$under.displayName', ({ under, expected }) => {
        const accountId = `${kind}-${under.id}-profile`;
        let emulated: EmulatorUser;
        let first: AuthenticatedUser;

        it('sign-in stores every profile field, and hands it to resolveUser, req.user and the account view', async () => {
          emulated = emulator.addUser(person(accountId, 'Grace Hopper'));
          const before = now().getTime();
          first = await signIn(under, accountId);
          const after = now().getTime();
          const profile = expected(emulated);

          // req.user, as the callback route returns it.
          expect(first.profile).toEqual(profile);
          expect(first.account.profile).toEqual(profile);
          const fetchedAt = new Date(first.profileFetchedAt as unknown as string).getTime();
          expect(fetchedAt).toBeGreaterThanOrEqual(before);
          expect(fetchedAt).toBeLessThanOrEqual(after);
          expect(first.account.profileFetchedAt).toBe(first.profileFetchedAt);

          // The row.
          const row = await rowOf(first);
          expect(row.profile).toEqual(profile);
          expect(row.profileFetchedAt!.getTime()).toBe(fetchedAt);
          expect(row).toMatchObject({
            email: emulated.email,
            displayName: 'Grace Hopper',
            avatarUrl: emulated.picture,
          });

          // What resolveUser received.
          const context = resolved.find((c) => c.profile.providerAccountId === accountId)!;
          expect(context.provider).toBe(under.id);
          expect(context.profile.profile).toEqual(profile);
          expect(context.profile.profileFetchedAt.getTime()).toBe(fetchedAt);

          // The account view.
          const view = await app.app.get(AccountLinkService).findById(first.account.id);
          expect(view).toMatchObject({ profile, profileFetchedAt: new Date(fetchedAt) });
        });

        it('keeps tokens out of the stored profile', async () => {
          const row = await rowOf(first);
          const stored = JSON.stringify(row.profile);
          const tokens = await storedPlainTokens(app);
          expect(tokens.length).toBeGreaterThan(0);
          for (const token of tokens) expect(stored.includes(token)).toBe(false);
          expect(stored).not.toMatch(/token|eyJ[\w-]{8,}/i);
          // And in the column as the database holds it.
          const [raw] = await app.dataSource.query(
            `SELECT "profile" FROM atlassian_linked_accounts WHERE "id" = '${row.id}'`,
          );
          for (const token of tokens) expect(String(raw.profile).includes(token)).toBe(false);
        });

        it('re-sign-in refreshes every field and profileFetchedAt; resolveUser is not asked again', async () => {
          const asked = resolved.length;
          const previous = (await rowOf(first)).profileFetchedAt!.getTime();
          aheadMs += HOUR_MS;
          emulated = emulator.addUser(
            person(accountId, 'Grace Brewster Hopper', {
              email: `${accountId}@retired.example.com`,
              picture: `https://avatars.example.com/${accountId}-2.png`,
              nickname: `${accountId}-admiral`,
              zoneinfo: 'Europe/Paris',
              locale: 'fr-FR',
              extendedProfile: { job_title: 'Professor', location: 'Paris' },
              lastUpdated: '2026-04-01T08:00:00.000Z',
              bitbucket: { username: `${accountId}-bb`, location: 'Paris', has2faEnabled: false },
            }),
          );
          const again = await signIn(under, accountId);
          expect(again).toMatchObject({ isNewAccount: false, userId: first.userId });
          const row = await rowOf(again);
          expect(row.id).toBe(first.account.id);
          expect(row.profile).toEqual(expected(emulated));
          expect(row).toMatchObject({
            email: `${accountId}@retired.example.com`,
            displayName: 'Grace Brewster Hopper',
            avatarUrl: `https://avatars.example.com/${accountId}-2.png`,
          });
          expect(row.profileFetchedAt!.getTime()).toBeGreaterThanOrEqual(previous + HOUR_MS);
          expect(again.profile).toEqual(expected(emulated));
          expect(resolved.length).toBe(asked);
        });

        it('refreshProfile reads the profile again with the stored token and updates the row', async () => {
          const previous = (await rowOf(first)).profileFetchedAt!.getTime();
          const reads = emulator.count(under.profileRoute, { status: 200 });
          aheadMs += HOUR_MS;
          emulated = emulator.addUser(
            person(accountId, 'Rear Admiral Hopper', {
              email: `${accountId}@refreshed.example.com`,
              accountStatus: 'inactive',
              locale: 'en-GB',
            }),
          );
          const view = await app.app.get(AccountLinkService).refreshProfile(first.account.id);
          expect(emulator.count(under.profileRoute, { status: 200 })).toBe(reads + 1);
          const profile = expected(emulated);
          expect(view).toMatchObject({
            id: first.account.id,
            email: `${accountId}@refreshed.example.com`,
            displayName: 'Rear Admiral Hopper',
            profile,
          });
          const row = await rowOf(first);
          expect(row.profile).toEqual(profile);
          expect(row.email).toBe(`${accountId}@refreshed.example.com`);
          expect(row.profileFetchedAt!.getTime()).toBeGreaterThanOrEqual(previous + HOUR_MS);
          expect(view.profileFetchedAt!.getTime()).toBe(row.profileFetchedAt!.getTime());
        });

        it('refreshProfile refreshes an expired token first, through the token service (one refresh)', async () => {
          const refreshes = emulator.count(under.tokenRoute, { grantType: 'refresh_token' });
          // Past the access token's lifetime by the app's clock (Atlassian 1 h, Bitbucket 2 h).
          aheadMs += 3 * HOUR_MS;
          await app.app.get(AccountLinkService).refreshProfile(first.account.id);
          expect(emulator.count(under.tokenRoute, { grantType: 'refresh_token' })).toBe(
            refreshes + 1,
          );
        });

        it('refreshProfile throws AtlassianReauthRequiredError when no token can read the profile, and keeps the row', async () => {
          const before = await rowOf(first);
          if (under.id === 'atlassian') emulator.revokeGrant(accountId);
          else emulator.revokeBitbucketGrant(accountId);
          await expect(
            app.app.get(AccountLinkService).refreshProfile(first.account.id),
          ).rejects.toThrow(AtlassianReauthRequiredError);
          const after = await rowOf(first);
          expect(after.profile).toEqual(before.profile);
          expect(after.profileFetchedAt).toEqual(before.profileFetchedAt);
        });
      });

      it.each(PROVIDERS)(
        'accepts an $under.displayName account that is not active, and stores its status',
        async ({ under, expected }) => {
          const accountId = `${kind}-${under.id}-inactive-accepted`;
          const emulated = emulator.addUser(
            person(accountId, 'Inactive Person', { accountStatus: 'inactive' }),
          );
          const user = await signIn(under, accountId);
          expect(user.profile).toMatchObject({ account_status: 'inactive' });
          expect((await rowOf(user)).profile).toEqual(expected(emulated));
        },
      );
    });

    describe('with requireActiveAccount on', () => {
      beforeAll(() => start(true));
      afterAll(stop);

      it.each(
        PROVIDERS.flatMap(({ under }) =>
          ['inactive', 'closed'].map((status) => ({ under, status })),
        ),
      )(
        'refuses an $under.displayName account whose status is $status: 403 atlassian_account_inactive, nothing stored',
        async ({ under, status }) => {
          const accountId = `${kind}-${under.id}-${status}-refused`;
          emulator.addUser(person(accountId, 'Refused Person', { accountStatus: status }));
          const before = await storedRows(app);
          const asked = resolved.length;
          const sitesRead = emulator.count('accessible-resources');
          const { response } = await drivers.get(under)!.signIn(undefined, {}, { accountId });
          const body = await expectOAuthError(
            response,
            403,
            'atlassian_account_inactive',
            /not active .*reactivate/,
          );
          expect(body.message).toContain(`"${status}"`);
          // No row (so no token) for the account, and every other row as it was.
          await expectNothingStored(app, before);
          const rows = await storedAccounts(app.dataSource);
          expect(rows.some((row) => row.providerAccountId === accountId)).toBe(false);
          expect(resolved.length).toBe(asked);
          expect(emulator.count('accessible-resources')).toBe(sitesRead);
        },
      );

      it.each(PROVIDERS)(
        'accepts an active $under.displayName account',
        async ({ under, expected }) => {
          const accountId = `${kind}-${under.id}-active-accepted`;
          const emulated = emulator.addUser(person(accountId, 'Active Person'));
          const user = await signIn(under, accountId);
          expect((await rowOf(user)).profile).toEqual(expected(emulated));
        },
      );
    });
  },
);
