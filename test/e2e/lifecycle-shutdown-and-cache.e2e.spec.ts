import { afterEach, describe, expect, it } from 'vitest';
import {
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  TokenRefreshScheduler,
  useZonedTimestamps,
  atlassianEntities,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { setStoredExpiry } from '../support/lifecycle-accounts.js';
import { behindGate, RefreshGate } from '../support/lifecycle-refresh-gate.js';
import { signInThroughApp } from '../support/sign-in.js';
import { plainTokens, storedAccount } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * Two smaller promises of the lifecycle: an app shutting down waits for the refreshes it has started
 * (the database is closed only after their rotated pairs are stored), and a forced refresh drops the
 * token from the cache under every key it was cached by.
 */
describe.each(['sqlite', 'postgres'] as const)(
  'Token lifecycle at shutdown and in the cache (%s)',
  (kind) => {
    const cleanups: Array<() => Promise<unknown>> = [];
    afterEach(async () => {
      for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    });

    async function start(database: TestDatabase, withGate: boolean) {
      const emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
      cleanups.push(() => emulator.stop());
      const gate = await RefreshGate.start(emulator.authBaseURL);
      cleanups.push(() => gate.close());
      const app = await startTestApp({
        database,
        emulator: withGate ? behindGate(emulator, gate) : emulator,
        options: { httpTimeoutMs: 20_000, refreshScheduler: { enabled: false } },
        now: () => emulator.clock.now(),
      });
      let closed = false;
      cleanups.push(() => (closed ? Promise.resolve() : app.close()));
      const account = await signInAs(app, emulator, 'shutdown-user');
      return { emulator, gate, app, account, markClosed: () => (closed = true) };
    }

    async function signInAs(app: TestApp, emulator: AtlassianEmulator, accountId: string) {
      emulator.addUser({ accountId, name: accountId });
      emulator.signInAs(accountId);
      return (await signInThroughApp(app, emulator)).account;
    }

    it.each([
      [
        'an on-demand refresh',
        (app: TestApp, id: string) =>
          app.app.get(AtlassianTokenService).getAccessToken({ accountId: id }),
      ],
      ['a scheduled refresh', (app: TestApp) => app.app.get(TokenRefreshScheduler).runOnce()],
    ])(
      'closing the app while %s waits for the provider stores the rotated pair before the database closes',
      async (_label, refresh) => {
        const database = await createTestDatabase(kind);
        const { emulator, gate, app, account, markClosed } = await start(database, true);
        const cipher = app.app.get(TokenCipher);
        const before = plainTokens(cipher, await storedAccount(app.dataSource, account.id));
        // A tick skips what was refreshed since it began (sign-in counts): move past the sign-in first.
        emulator.clock.advance(60_000);
        await setStoredExpiry(
          app.dataSource,
          [account.id],
          new Date(emulator.clock.nowMs() - 60_000),
        );
        gate.hold();
        const inFlight = refresh(app, account.id).catch((err: unknown) => err);
        await gate.whenHeld(1);

        const closing = app.close();
        markClosed();
        let done = false;
        void closing.then(() => (done = true));
        // The app must not finish closing while its refresh is still out (a negative: it needs some time to pass).
        await new Promise((resolve) => setTimeout(resolve, 300));
        expect(done).toBe(false);
        gate.release();
        await closing;
        await inFlight;

        const dataSource = await useZonedTimestamps(
          new DataSource({ ...database.typeorm, entities: atlassianEntities }),
        ).initialize();
        try {
          const row = await storedAccount(dataSource, account.id);
          const after = plainTokens(cipher, row);
          expect(after.refreshToken).not.toBe(before.refreshToken);
          expect(emulator.refreshTokenUses(before.refreshToken!)).toBe(1);
          expect(emulator.refreshTokenUses(after.refreshToken!)).toBe(0);
          expect(emulator.isAccessTokenValid(after.accessToken)).toBe(true);
          expect(row).toMatchObject({ status: 'active', refreshLeaseOwner: null });
          expect(emulator.refreshTokenReplays()).toBe(0);
        } finally {
          await dataSource.destroy();
        }
      },
    );

    it('a forced refresh drops the cached token under the user key too: the next call by user gets the new token', async () => {
      const { emulator, app, account } = await start(await createTestDatabase(kind), false);
      const tokens = app.app.get(AtlassianTokenService);
      const byUser = { userId: account.userId, provider: 'atlassian' as const };
      const cachedByUser = await tokens.getAccessToken(byUser);
      expect(await tokens.getAccessToken(byUser)).toBe(cachedByUser);

      const forced = await tokens.forceRefresh({ accountId: account.id });

      expect(forced).not.toBe(cachedByUser);
      // No reuse leeway: the old access token died with the rotation; handing it out would fail every call.
      expect(emulator.isAccessTokenValid(cachedByUser)).toBe(false);
      expect(await tokens.getAccessToken(byUser)).toBe(forced);
      expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
      expect(emulator.refreshTokenReplays()).toBe(0);
      const row = await app.dataSource
        .getRepository(LinkedAccount)
        .findOneByOrFail({ id: account.id });
      expect(row.refreshLeaseOwner).toBeNull();
    });
  },
);
