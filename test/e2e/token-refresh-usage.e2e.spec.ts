import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianTokenService, LinkedAccount, TokenRefreshScheduler } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { AccountUsageRecorder } from '../../src/tokens/account-usage.recorder.js';
import { QueryCapture } from '../../bench/support/query-capture.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { DAY_MS, MINUTE_MS } from '../support/lifecycle-accounts.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 60 * MINUTE_MS;

/**
 * The refresh policy with its default period (6 hours): the window refreshes ahead only the accounts
 * used (or signed in) recently; the others are refreshed on demand, and the keep-alive still holds
 * everyone's refresh token before the 90-day limit. Usage is written in one UPDATE per flush.
 */
describe.each(['sqlite', 'postgres'] as const)('refresh what is used (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  let app: TestApp;
  let tokens: AtlassianTokenService;
  let scheduler: TokenRefreshScheduler;
  let recorder: AccountUsageRecorder;
  let signedInAt: number;
  const ids: Record<'used' | 'unused', string> = { used: '', unused: '' };

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    database = await createTestDatabase(kind);
    app = await startTestApp({
      database,
      emulator,
      // Default policy; flushes only when the test asks, so that every write is the test's.
      options: { refreshScheduler: { enabled: false, usageFlushIntervalMs: 24 * HOUR_MS } },
      now: () => emulator.clock.now(),
    });
    tokens = app.app.get(AtlassianTokenService);
    scheduler = app.app.get(TokenRefreshScheduler);
    recorder = app.app.get(AccountUsageRecorder);
    for (const name of ['used', 'unused'] as const) {
      emulator.addUser({ accountId: name, name });
      emulator.signInAs(name);
      await signInThroughApp(app, emulator);
      ids[name] = (await row({ providerAccountId: name })).id;
    }
    signedInAt = emulator.clock.nowMs();
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  const row = (where: { id: string } | { providerAccountId: string }) =>
    app.dataSource.getRepository(LinkedAccount).findOneByOrFail(where);
  const refreshes = () => emulator.count('token', { grantType: 'refresh_token', status: 200 });

  it('counts a sign-in as a use: freshly linked accounts are refreshed ahead', async () => {
    emulator.clock.advance(55 * MINUTE_MS); // both tokens expire within the 10-minute window
    expect((await row({ id: ids.used })).lastUsedAt).toBeNull();
    expect((await scheduler.runOnce()).refreshed).toBe(2);
    expect(refreshes()).toBe(2);
  });

  it('refreshes ahead the account used recently, and not the one unused', async () => {
    emulator.clock.set(new Date(signedInAt + 7 * HOUR_MS)); // past the 6-hour period; both expired
    await tokens.getAccessToken({ accountId: ids.used }); // on demand: its token had expired
    expect(refreshes()).toBe(3);
    await recorder.flush();
    const usedAt = emulator.clock.nowMs();
    expect((await row({ id: ids.used })).lastUsedAt!.getTime()).toBe(usedAt);
    expect((await row({ id: ids.unused })).lastUsedAt).toBeNull();

    emulator.clock.advance(55 * MINUTE_MS);
    expect((await scheduler.runOnce()).refreshed).toBe(1);
    expect(refreshes()).toBe(4);
    expect((await row({ id: ids.used })).lastRefreshedAt!.getTime()).toBe(emulator.clock.nowMs());
    const unused = await row({ id: ids.unused });
    expect(unused.lastRefreshedAt!.getTime()).toBe(signedInAt + 55 * MINUTE_MS);
    expect(unused.accessTokenExpiresAt!.getTime()).toBeLessThan(emulator.clock.nowMs());
    expect((await scheduler.runOnce()).refreshed).toBe(0);
    expect(refreshes()).toBe(4);
  });

  it('refreshes the unused account on demand, once, at its next use', async () => {
    const handedOut = await Promise.all(
      Array.from({ length: 5 }, () => tokens.getAccessToken({ accountId: ids.unused })),
    );
    expect(new Set(handedOut).size).toBe(1);
    expect(await tokens.getAccessToken({ accountId: ids.unused })).toBe(handedOut[0]);
    expect(refreshes()).toBe(5);
    expect((await row({ id: ids.unused })).lastRefreshedAt!.getTime()).toBe(emulator.clock.nowMs());
  });

  it('records 1,000 uses in one UPDATE, the API client’s synchronous path included', async () => {
    const capture = new QueryCapture();
    const statements = await capture.on(app.dataSource, async () => {
      for (let i = 0; i < 1_000; i++)
        await tokens.getAccessToken({ accountId: i % 2 ? ids.used : ids.unused });
      await recorder.flush();
    });
    const updates = statements.filter(({ sql }) => /^\s*UPDATE/i.test(sql));
    expect(updates).toHaveLength(1);
    expect(updates[0].sql).toMatch(/"lastUsedAt"/);
    expect(statements.filter(({ sql }) => /^\s*(INSERT|DELETE)/i.test(sql))).toEqual([]);
    const flushedAt = emulator.clock.nowMs();
    for (const id of Object.values(ids))
      expect((await row({ id })).lastUsedAt!.getTime()).toBe(flushedAt);

    emulator.clock.advance(10_000); // within the 30-second cache
    expect(tokens.cachedAccessToken({ accountId: ids.used })).toEqual(expect.any(String));
    await recorder.flush();
    expect((await row({ id: ids.used })).lastUsedAt!.getTime()).toBe(flushedAt + 10_000);
    expect((await row({ id: ids.unused })).lastUsedAt!.getTime()).toBe(flushedAt);
    // Nothing noted since: a flush writes nothing.
    const idle = await capture.on(app.dataSource, () => recorder.flush());
    expect(idle).toEqual([]);
  });

  it('never moves lastUsedAt backwards when two instances record the same account', async () => {
    const lagging = await startTestApp({
      database,
      emulator,
      options: { refreshScheduler: { enabled: false, usageFlushIntervalMs: 24 * HOUR_MS } },
      // Two hours behind: its uses are older than this instance's.
      now: () => new Date(emulator.clock.nowMs() - 2 * HOUR_MS),
    });
    try {
      const laggingRecorder = lagging.app.get(AccountUsageRecorder);
      emulator.clock.advance(MINUTE_MS);
      const now = emulator.clock.now();
      recorder.note(ids.used, now);
      laggingRecorder.note(ids.used, new Date(now.getTime() - 2 * HOUR_MS));
      await recorder.flush();
      await laggingRecorder.flush();
      expect((await row({ id: ids.used })).lastUsedAt!.getTime()).toBe(now.getTime());

      // The other order: the later use still wins.
      const before = (await row({ id: ids.unused })).lastUsedAt!.getTime();
      laggingRecorder.note(ids.unused, new Date(now.getTime() - 2 * HOUR_MS));
      await laggingRecorder.flush();
      expect((await row({ id: ids.unused })).lastUsedAt!.getTime()).toBe(before);
      recorder.note(ids.unused, now);
      await recorder.flush();
      expect((await row({ id: ids.unused })).lastUsedAt!.getTime()).toBe(now.getTime());
    } finally {
      await lagging.close();
    }
  });

  it('keeps what a failing database refused for the next flush, without throwing', async () => {
    emulator.clock.advance(MINUTE_MS);
    const usedAt = emulator.clock.nowMs();
    await tokens.getAccessToken({ accountId: ids.used });
    const before = (await row({ id: ids.used })).lastUsedAt!.getTime();
    // A real refusal: the column is gone while the flush runs.
    await app.dataSource.query(
      'ALTER TABLE "atlassian_linked_accounts" RENAME COLUMN "lastUsedAt" TO "lastUsedAtAway"',
    );
    try {
      await expect(recorder.flush()).resolves.toBeUndefined();
    } finally {
      await app.dataSource.query(
        'ALTER TABLE "atlassian_linked_accounts" RENAME COLUMN "lastUsedAtAway" TO "lastUsedAt"',
      );
    }
    expect((await row({ id: ids.used })).lastUsedAt!.getTime()).toBe(before);
    await recorder.flush();
    expect((await row({ id: ids.used })).lastUsedAt!.getTime()).toBe(usedAt);
  });

  it('still keeps every account alive before the 90-day limit, used or not', async () => {
    const lastRefreshes = refreshes();
    emulator.clock.set(new Date(signedInAt + 50 * DAY_MS));
    expect((await scheduler.runOnce()).refreshed).toBe(0);
    emulator.clock.set(new Date(signedInAt + 61 * DAY_MS));
    expect((await scheduler.runOnce()).refreshed).toBe(2);
    expect(refreshes()).toBe(lastRefreshes + 2);
    for (const id of Object.values(ids)) {
      const account = await row({ id });
      expect(account.status).toBe('active');
      expect(account.lastRefreshedAt!.getTime()).toBe(emulator.clock.nowMs());
    }
  });
});
