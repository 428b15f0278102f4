import { EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianEvents,
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  TokenRefreshScheduler,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  DAY_MS,
  MINUTE_MS,
  recordEvents,
  seedBitbucketAccounts,
  type PublishedEvent,
  NOTHING_SWEPT,
} from '../support/lifecycle-accounts.js';
import { newEncryptionKey, seedAccounts, type SeededAccount } from '../support/seed-accounts.js';
import { plainTokens, storedAccounts } from '../support/stored-accounts.js';
import { startTestApp, TEST_BITBUCKET_CONSUMER, type TestApp } from '../support/test-app.js';

/** Idle accounts seeded next to the expiring ones in every tick below. */
const IDLE = 4;
/** Accounts neither expiring nor idle, seeded in every tick below: never refreshed. */
const NEITHER = 3;
describe.each(['sqlite', 'postgres'] as const)(
  'Scheduler with the default options, exactly once per tick (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let scheduler: TokenRefreshScheduler;
    let cipher: TokenCipher;
    const key = newEncryptionKey('batches');

    beforeAll(async () => {
      // No reuse leeway: a refresh token presented twice revokes the grant, as a strict provider does.
      emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
      // Only `enabled` is set: window 600 s, batch 500, concurrency 10, keep-alive after 60 days; and
      // the window takes every expiring account (the seeded ones were never used), as before the usage policy.
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        options: {
          encryptionKeys: [key],
          refreshScheduler: { enabled: false, proactiveForUsedWithinMs: 0 },
        },
        now: () => emulator.clock.now(),
      });
      scheduler = app.app.get(TokenRefreshScheduler);
      cipher = app.app.get(TokenCipher);
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });

    const refreshCalls = () => emulator.count('token', { grantType: 'refresh_token' });
    const now = () => emulator.clock.nowMs();

    function seed(
      count: number,
      prefix: string,
      dates: { expiresInMs: number; refreshedAgoMs: number },
    ): Promise<SeededAccount[]> {
      return seedAccounts(app.dataSource, emulator, {
        count,
        encryptionKey: key,
        clientId: 'test-client',
        prefix,
        accessTokenExpiresAt: new Date(now() + dates.expiresInMs),
        lastRefreshedAt: new Date(now() - dates.refreshedAgoMs),
        consentedAt: new Date(now() - 61 * DAY_MS),
      });
    }

    it.each([1, 3, 9, 10, 11])(
      '%i expiring accounts, 4 idle and 3 neither: each due account refreshed exactly once, then nothing',
      async (expiringCount) => {
        const expiring = await seed(expiringCount, `exp${expiringCount}-${kind}`, {
          expiresInMs: 5 * MINUTE_MS,
          refreshedAgoMs: 55 * MINUTE_MS,
        });
        const idle = await seed(IDLE, `idle${expiringCount}-${kind}`, {
          expiresInMs: 60 * MINUTE_MS,
          refreshedAgoMs: 61 * DAY_MS,
        });
        const neither = await seed(NEITHER, `neither${expiringCount}-${kind}`, {
          expiresInMs: 60 * MINUTE_MS,
          refreshedAgoMs: DAY_MS,
        });
        const neitherRows = async () =>
          (
            await storedAccounts(
              app.dataSource,
              neither.map((a) => a.id),
            )
          ).sort((a, b) => a.id.localeCompare(b.id));
        const neitherBefore = await neitherRows();
        const before = refreshCalls();
        const succeededBefore = emulator.count('token', {
          grantType: 'refresh_token',
          status: 200,
        });

        const result = await scheduler.runOnce();

        const due = [...expiring, ...idle];
        expect(result).toEqual({ ...NOTHING_SWEPT, refreshed: due.length });
        expect(refreshCalls() - before).toBe(due.length);
        expect(
          emulator.count('token', { grantType: 'refresh_token', status: 200 }) - succeededBefore,
        ).toBe(due.length);
        // Per account: the seeded refresh token used once; the stored pair is the rotated one, unused and valid.
        const rows = new Map(
          (
            await storedAccounts(
              app.dataSource,
              due.map((a) => a.id),
            )
          ).map((row) => [row.id, row]),
        );
        const problems = due.flatMap((account) => {
          const row = rows.get(account.id)!;
          const stored = plainTokens(cipher, row);
          const found: string[] = [];
          if (emulator.refreshTokenUses(account.refreshToken) !== 1)
            found.push(
              `seeded refresh token used ${emulator.refreshTokenUses(account.refreshToken)} times`,
            );
          if (emulator.refreshTokenUses(stored.refreshToken!) !== 0)
            found.push('stored refresh token already used');
          if (!emulator.isAccessTokenValid(stored.accessToken))
            found.push('stored access token not valid');
          if (row.lastRefreshedAt!.getTime() !== now()) found.push('lastRefreshedAt did not move');
          if (
            row.status !== 'active' ||
            row.refreshLeaseOwner !== null ||
            row.refreshLeaseExpiresAt !== null
          )
            found.push(`status ${row.status}, lease ${row.refreshLeaseOwner}`);
          return found.map((problem) => `${account.providerAccountId}: ${problem}`);
        });
        expect(problems).toEqual([]);
        for (const account of neither)
          expect(emulator.refreshTokenUses(account.refreshToken)).toBe(0);
        expect(await neitherRows()).toEqual(neitherBefore);

        // A second tick finds nothing due.
        expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
        expect(refreshCalls() - before).toBe(due.length);
        expect(emulator.refreshTokenReplays()).toBe(0);
      },
    );

    it('never claims an account of a provider the app does not configure (a Bitbucket row, due twice over)', async () => {
      const [row] = await seedBitbucketAccounts(app.dataSource, emulator, {
        count: 1,
        encryptionKey: key,
        prefix: `unconfigured-${kind}`,
        // Expiring, idle and near the end of an Atlassian-length consent, all at once.
        accessTokenExpiresAt: new Date(now() + MINUTE_MS),
        lastRefreshedAt: new Date(now() - 70 * DAY_MS),
        consentedAt: new Date(now() - 360 * DAY_MS),
      });
      const [before] = await storedAccounts(app.dataSource, [row.id]);

      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);

      const [after] = await storedAccounts(app.dataSource, [row.id]);
      expect(after).toEqual(before);
      expect(after).toMatchObject({
        status: 'active',
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
        refreshFailureCount: 0,
        consentExpiryNotifiedAt: null,
      });
      expect(emulator.count('bitbucket-token')).toBe(0);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });
  },
);

describe.each(['sqlite', 'postgres'] as const)(
  'Consent-expiry warnings are Atlassian only (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let scheduler: TokenRefreshScheduler;
    let events: PublishedEvent[];
    const key = newEncryptionKey('consent');

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        options: {
          encryptionKeys: [key],
          // Every expiring account, as before the usage policy: the seeded ones were never used.
          refreshScheduler: { enabled: false, proactiveForUsedWithinMs: 0 },
        },
        now: () => emulator.clock.now(),
        bitbucket: true,
        imports: [EventEmitterModule.forRoot({ wildcard: true })],
      });
      scheduler = app.app.get(TokenRefreshScheduler);
      events = recordEvents(app);
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });

    it('a consent given 360 days ago: Atlassian accounts are warned once (count, event, consentExpiryNotifiedAt), Bitbucket ones never', async () => {
      const now = emulator.clock.nowMs();
      const dates = {
        accessTokenExpiresAt: new Date(now + 60 * MINUTE_MS),
        lastRefreshedAt: new Date(now - DAY_MS),
        consentedAt: new Date(now - 360 * DAY_MS),
      };
      const atlassian = await seedAccounts(app.dataSource, emulator, {
        count: 2,
        encryptionKey: key,
        clientId: 'test-client',
        prefix: `consent-a-${kind}`,
        ...dates,
      });
      const bitbucket = await seedBitbucketAccounts(app.dataSource, emulator, {
        count: 2,
        encryptionKey: key,
        consumerKey: TEST_BITBUCKET_CONSUMER.key,
        prefix: `consent-b-${kind}`,
        ...dates,
      });

      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, consentWarnings: 2 });

      const warned = events.filter((event) => event.name === AtlassianEvents.ConsentExpiring);
      expect(warned.map((event) => event.payload.accountId).sort()).toEqual(
        atlassian.map((a) => a.id).sort(),
      );
      for (const event of warned) {
        expect(event.payload).toMatchObject({
          provider: 'atlassian',
          consentExpiresAt: new Date(dates.consentedAt.getTime() + 365 * DAY_MS),
        });
      }
      const rows = await storedAccounts(
        app.dataSource,
        [...atlassian, ...bitbucket].map((a) => a.id),
      );
      const notified = (row: LinkedAccount) => row.consentExpiryNotifiedAt?.getTime() ?? null;
      expect(rows.filter((row) => row.provider === 'atlassian').map(notified)).toEqual([now, now]);
      expect(rows.filter((row) => row.provider === 'bitbucket').map(notified)).toEqual([
        null,
        null,
      ]);
      for (const account of bitbucket) {
        expect(
          (await app.app.get(AtlassianTokenService).getTokenStatus({ accountId: account.id }))
            .consentExpiresAt,
        ).toBeNull();
      }

      // Once per consent: the next tick warns nobody, Bitbucket included.
      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
      expect(events.filter((event) => event.name === AtlassianEvents.ConsentExpiring)).toHaveLength(
        2,
      );
      expect(
        emulator.count('token', { grantType: 'refresh_token' }) +
          emulator.count('bitbucket-token', { grantType: 'refresh_token' }),
      ).toBe(0);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });
  },
);
