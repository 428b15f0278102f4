import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenRefreshScheduler } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { startHealthApp, type HealthApp } from '../support/health-app.js';
import { newEncryptionKey, seedAccounts } from '../support/seed-accounts.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Hourly, so that no real tick lands in a test: staleness is judged by the emulator's clock. */
const HOURLY = '0 0 * * * *';

describe.each(['sqlite', 'postgres'] as const)(
  'AtlassianHealthIndicator over HTTP (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let health: HealthApp;
    let scheduler: TokenRefreshScheduler;
    const key = newEncryptionKey('health');

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      // Half past an hour: the hourly cron is due at whole hours of the emulator's clock.
      emulator.clock.set(new Date('2026-06-01T10:30:00Z'));
      health = await startHealthApp({
        database: await createTestDatabase(kind),
        emulator,
        options: {
          encryptionKeys: [key],
          refreshScheduler: { cron: HOURLY },
          health: { maxFailingRefreshAccounts: 2, maxReauthRequiredAccounts: 1 },
        },
        now: () => emulator.clock.now(),
        sleep: async () => undefined,
      });
      scheduler = health.app.get(TokenRefreshScheduler);
    });
    afterAll(async () => {
      await health?.close();
      await emulator?.stop();
    });

    /** Accounts whose access token expired a minute ago: the next tick refreshes them. */
    const seedExpired = (count: number, prefix: string) =>
      seedAccounts(health.dataSource, emulator, {
        count,
        encryptionKey: key,
        clientId: 'test-client',
        prefix: `${prefix}-${kind}`,
        accessTokenExpiresAt: new Date(emulator.clock.nowMs() - MINUTE_MS),
        lastRefreshedAt: new Date(emulator.clock.nowMs() - HOUR_MS),
        consentedAt: new Date(emulator.clock.nowMs() - HOUR_MS),
      });

    it('up: the database answers, the scheduler is scheduled, no account fails', async () => {
      const { status, body } = await health.health();

      expect(status).toBe(200);
      expect(body.status).toBe('ok');
      expect(body.info!.atlassian).toMatchObject({
        status: 'up',
        database: { status: 'up' },
        scheduler: { status: 'up', state: 'scheduled', cron: HOURLY, dueTicksSince: 0 },
        failingRefreshes: { status: 'up', count: 0, max: 2, reasons: [] },
        reauthRequired: { status: 'up', count: 0, max: 1, reasons: [] },
      });
    });

    it('failing refreshes: up at the threshold (2), down past it (3) naming the error, up again once they refresh', async () => {
      await seedExpired(2, 'failing-a');
      emulator.inject({
        route: 'token',
        status: 503,
        times: 2,
        match: { grantType: 'refresh_token' },
      });
      expect(await scheduler.runOnce()).toMatchObject({ refreshed: 0, failed: 2 });
      const atThreshold = await health.health();
      expect(atThreshold.status).toBe(200);
      expect(atThreshold.body.info!.atlassian.failingRefreshes).toMatchObject({
        status: 'up',
        count: 2,
      });

      await seedExpired(1, 'failing-b');
      emulator.inject({ route: 'token', status: 503, match: { grantType: 'refresh_token' } });
      // The first two wait out their backoff: only the new one is tried.
      expect(await scheduler.runOnce()).toMatchObject({ refreshed: 0, failed: 1 });
      const past = await health.health();

      expect(past.status).toBe(503);
      expect(past.body.status).toBe('error');
      const down = past.body.error!.atlassian;
      expect(down.status).toBe('down');
      expect(down.failingRefreshes).toMatchObject({ status: 'down', count: 3, max: 2 });
      expect(down.failingRefreshes!.reasons).toEqual([{ reason: expect.any(String), count: 3 }]);
      expect(down.message).toMatch(
        /^3 accounts are failing to refresh \(more than health\.maxFailingRefreshAccounts, 2\); last errors: ".+" \(3\)\. .*check the provider's status page/,
      );
      // Only that part is down.
      expect(down).toMatchObject({
        database: { status: 'up' },
        scheduler: { status: 'up' },
        reauthRequired: { status: 'up' },
      });

      // Past the backoff the provider answers again: every account refreshes and the module is up.
      emulator.clock.advance(16 * MINUTE_MS);
      expect(await scheduler.runOnce()).toMatchObject({ refreshed: 3, failed: 0 });
      const after = await health.health();
      expect(after.status).toBe(200);
      expect(after.body.info!.atlassian.failingRefreshes).toMatchObject({ count: 0 });
    });

    it('a stale tick: up with 3 ticks of the cron due since the last completed one, down with 4, up after the next tick', async () => {
      await scheduler.runOnce();
      const completedAt = emulator.clock.now();

      emulator.clock.advance(3 * HOUR_MS);
      const three = await health.health();
      expect(three.status).toBe(200);
      expect(three.body.info!.atlassian.scheduler).toMatchObject({
        status: 'up',
        dueTicksSince: 3,
        lastTickCompletedAt: completedAt.toISOString(),
      });

      emulator.clock.advance(HOUR_MS);
      const four = await health.health();
      expect(four.status).toBe(503);
      const down = four.body.error!.atlassian;
      expect(down.scheduler).toMatchObject({ status: 'down', dueTicksSince: 4 });
      expect(down.message).toBe(
        `The token refresh scheduler completed its last tick at ${completedAt.toISOString()}; more than ` +
          `health.maxMissedTicks (3) ticks of '${HOURLY}' were due since. Look for 'Token refresh tick failed' ` +
          `in the log (a database that fails or is slow), for a tick that outlasts the cron interval (raise ` +
          `refreshScheduler.concurrency), or for a blocked event loop.`,
      );

      await scheduler.runOnce();
      const after = await health.health();
      expect(after.status).toBe(200);
      expect(after.body.info!.atlassian.scheduler).toMatchObject({
        status: 'up',
        dueTicksSince: 0,
      });
    });

    it('reauth_required: down past the threshold (1) with the provider refusal as reason', async () => {
      await seedExpired(2, 'refused');
      emulator.inject({
        route: 'token',
        status: 403,
        times: 2,
        match: { grantType: 'refresh_token' },
        body: { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      });
      expect(await scheduler.runOnce()).toMatchObject({ refreshed: 0, reauthRequired: 2 });

      const { status, body } = await health.health();

      expect(status).toBe(503);
      const down = body.error!.atlassian;
      expect(down.reauthRequired).toMatchObject({ status: 'down', count: 2, max: 1 });
      expect(down.reauthRequired!.reasons).toEqual([{ reason: expect.any(String), count: 2 }]);
      expect(down.message).toMatch(
        /^2 accounts need their user to sign in again \(more than health\.maxReauthRequiredAccounts, 1\); reasons: ".+" \(2\)\. .*check the OAuth client settings/,
      );
      expect(down.failingRefreshes).toMatchObject({ status: 'up', count: 0 });
    });
  },
);

describe('AtlassianHealthIndicator with the scheduler disabled (sqlite)', () => {
  let emulator: AtlassianEmulator;
  let health: HealthApp;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    health = await startHealthApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { refreshScheduler: { enabled: false } },
      now: () => emulator.clock.now(),
      sleep: async () => undefined,
    });
  });
  afterAll(async () => {
    await health?.close();
    await emulator?.stop();
  });

  it('says so and stays up, however long no tick ran', async () => {
    emulator.clock.advance(24 * HOUR_MS);

    const { status, body } = await health.health();

    expect(status).toBe(200);
    expect(body.info!.atlassian.scheduler).toEqual({
      status: 'up',
      state: 'disabled',
      note: 'refreshScheduler.enabled is false: this process refreshes tokens on demand only.',
    });
  });
});
