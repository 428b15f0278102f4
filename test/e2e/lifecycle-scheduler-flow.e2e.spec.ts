import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { TokenRefreshScheduler } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { DAY_MS, MINUTE_MS, NOTHING_SWEPT } from '../support/lifecycle-accounts.js';
import { TokenTap, type TappedExchange } from '../support/lifecycle-property-token-tap.js';
import { newEncryptionKey, seedAccounts } from '../support/seed-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const CONCURRENCY = 4;
const ACCOUNTS = 24;

/**
 * A tick keeps `concurrency` refreshes going: a slot that frees up is filled without waiting for the
 * other refreshes claimed with it, and never more than `concurrency` are in flight. Every token
 * exchange goes through a tap that notes when it was sent and answered, in real time.
 */
describe.each(['sqlite', 'postgres'] as const)('Scheduler tick: refreshes flow (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let tap: TokenTap;
  let app: TestApp;
  let scheduler: TokenRefreshScheduler;
  const exchanges: TappedExchange[] = [];
  const key = newEncryptionKey('flow');

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
    tap = await TokenTap.start('app', emulator.url, exchanges);
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      options: {
        encryptionKeys: [key],
        httpTimeoutMs: 10_000,
        refreshScheduler: { enabled: false, proactiveForUsedWithinMs: 0, concurrency: CONCURRENCY },
      },
      optionsForUrl: (url) => ({
        atlassian: {
          clientId: 'test-client',
          clientSecret: 'test-secret',
          callbackURL: `${url}/auth/atlassian/callback`,
          authBaseURL: emulator.authBaseURL,
          tokenURL: `${tap.url}/oauth/token`,
          apiBaseURL: emulator.apiBaseURL,
        },
      }),
      now: () => emulator.clock.now(),
    });
    scheduler = app.app.get(TokenRefreshScheduler);
  });
  afterEach(() => {
    emulator.clearFaults();
    exchanges.length = 0;
  });
  afterAll(async () => {
    await app?.close();
    await tap?.close();
    await emulator?.stop();
  });

  const seedExpiring = (prefix: string) =>
    seedAccounts(app.dataSource, emulator, {
      count: ACCOUNTS,
      encryptionKey: key,
      clientId: 'test-client',
      prefix: `${prefix}-${kind}`,
      accessTokenExpiresAt: new Date(emulator.clock.nowMs() + 5 * MINUTE_MS),
      lastRefreshedAt: new Date(emulator.clock.nowMs() - 55 * MINUTE_MS),
      consentedAt: new Date(emulator.clock.nowMs() - DAY_MS),
    });

  /** The most exchanges open at one instant. */
  function peakInFlight(log: TappedExchange[]): number {
    const edges = log.flatMap((exchange) => [
      { at: exchange.sentAt, step: 1 },
      { at: exchange.answeredAt, step: -1 },
    ]);
    // An answer and a request at the same millisecond: the answer first (the slot was free).
    edges.sort((a, b) => a.at - b.at || a.step - b.step);
    let open = 0;
    let peak = 0;
    for (const { step } of edges) peak = Math.max(peak, (open += step));
    return peak;
  }

  it('a slow token request holds only its own slot: every other account is refreshed before it answers', async () => {
    await seedExpiring('slow');
    // The first refresh hangs 4 s and then fails: with waves, the rest would wait for it.
    emulator.inject({
      route: 'token',
      match: { grantType: 'refresh_token' },
      delayMs: 4_000,
      status: 503,
    });

    const result = await scheduler.runOnce();

    expect(result).toEqual({ ...NOTHING_SWEPT, refreshed: ACCOUNTS - 1, failed: 1 });
    const refreshes = exchanges.filter((exchange) => exchange.grantType === 'refresh_token');
    expect(refreshes).toHaveLength(ACCOUNTS);
    const slow = refreshes.find((exchange) => exchange.status === 503)!;
    const answeredWhileSlowWasOpen = refreshes.filter(
      (exchange) =>
        exchange !== slow &&
        exchange.sentAt >= slow.sentAt &&
        exchange.answeredAt <= slow.answeredAt,
    );
    expect(answeredWhileSlowWasOpen.length).toBeGreaterThanOrEqual(ACCOUNTS - CONCURRENCY);
    expect(refreshes.filter((exchange) => exchange.status === 200)).toHaveLength(ACCOUNTS - 1);
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it(`never more than concurrency (${CONCURRENCY}) token requests at once, each due account refreshed once`, async () => {
    await seedExpiring('peak');
    emulator.setLatency('token', 30);
    // One request much slower than the rest: slots then free up one by one while it is open, the
    // moment a claim that took more than the free slots would overfill them.
    emulator.inject({ route: 'token', match: { grantType: 'refresh_token' }, delayMs: 300 });

    const result = await scheduler.runOnce();

    expect(result).toEqual({ ...NOTHING_SWEPT, refreshed: ACCOUNTS });
    const refreshes = exchanges.filter((exchange) => exchange.grantType === 'refresh_token');
    expect(refreshes).toHaveLength(ACCOUNTS);
    expect(new Set(refreshes.map((exchange) => exchange.presented)).size).toBe(ACCOUNTS);
    expect(peakInFlight(refreshes)).toBeLessThanOrEqual(CONCURRENCY);
    // And the slots were used: with 30 ms per request, one at a time would never overlap.
    expect(peakInFlight(refreshes)).toBeGreaterThan(1);
    expect(emulator.refreshTokenReplays()).toBe(0);
  });
});
