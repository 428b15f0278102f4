import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiClient, AtlassianRateLimitError } from '../../src/index.js';
import {
  AtlassianEmulator,
  DEFAULT_EMULATOR_CLOUD_IDS,
  DEFAULT_EMULATOR_USER,
} from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { sameAppSpec, startTokenWorkers, type TokenWorkers } from '../support/worker-processes.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
/** The top of an hour on the emulator's clock, where the app's hourly quota resets. */
const RESET = Date.UTC(2026, 11, 2, 11, 0, 0);
/** api.pauseSyncMs's default: how soon another instance learns of a pause. */
const PAUSE_SYNC_MS = 1_000;

/**
 * A spent app quota, met by one process, holds the calls of another process (a real one, sharing the
 * PostgreSQL database) until the reset: the emulator, on a clock that runs in real time, sees no call
 * between the 429 and the top of the hour.
 */
describe('App-wide pauses are shared by every instance on the database (postgres, two processes)', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let workers: TokenWorkers | undefined;
  const accounts: Record<'first' | 'second', { userId: string; accountId: string }> = {} as never;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start({
      realTimeClock: true,
      now: new Date(RESET - 600_000),
    });
    const database = await createTestDatabase('postgres');
    app = await startTestApp({ database, emulator });
    emulator.addUser({
      ...DEFAULT_EMULATOR_USER,
      accountId: 'second-person',
      email: 'b@example.com',
    });
    for (const [who, accountId] of [
      ['first', DEFAULT_EMULATOR_USER.accountId],
      ['second', 'second-person'],
    ] as const) {
      const session = new BrowserSession();
      const login = await session.request(`${app.url}/auth/atlassian`);
      const callback = await emulator.approve(login.headers.get('location')!, { accountId });
      const user = (await (await session.request(callback)).json()) as {
        userId: string;
        account: { id: string };
      };
      accounts[who] = { userId: user.userId, accountId: user.account.id };
    }
    workers = await startTokenWorkers([{ spec: sameAppSpec(app, database, emulator) }]);
  }, 120_000);
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await emulator?.stop();
  });

  it('holds the second process until the reset, then every call succeeds', async () => {
    const other = workers!.workers[0];
    const jira = { kind: 'jira', path: '/rest/api/3/myself' } as const;
    // The other process has called before: its view of the shared pauses is fresh, not empty.
    const warm = await other.run({
      ...jira,
      accountId: accounts.second.accountId,
      cloudId: acme,
      calls: 1,
    });
    expect(warm.outcomes).toEqual([{ answered: true }]);

    emulator.clock.set(new Date(RESET - 6_000));
    // 2 points a call: the budget also covers the five calls after the reset.
    emulator.setRateLimits({ appPointsPerHour: 12 });
    const api = app.app.get(AtlassianApiClient);
    const refused = await (async () => {
      for (;;)
        await api.forUser(accounts.first.userId).jira(acme).get('/rest/api/3/myself', {
          onRateLimit: 'fail',
        });
    })().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AtlassianRateLimitError);
    expect(refused).toMatchObject({ reason: 'jira-quota-global-based' });
    const limitedAt = emulator.calls.length;
    const limitedAtMs = emulator.calls.at(-1)!.at.getTime();
    expect(limitedAtMs).toBeLessThan(RESET);

    await new Promise((resolve) => setTimeout(resolve, PAUSE_SYNC_MS + 200));
    const [elsewhere] = await Promise.all([
      other.run({ ...jira, accountId: accounts.second.accountId, cloudId: globex, calls: 3 }),
      api.forUser(accounts.second.userId).jira(acme).get('/rest/api/3/myself'),
      api.forUser(accounts.first.userId).jira(globex).get('/rest/api/3/myself'),
    ]);
    expect(elsewhere.outcomes).toEqual(Array(3).fill({ answered: true }));

    const after = emulator.calls.slice(limitedAt).filter((call) => call.route === 'jira');
    expect(after.map((call) => call.status)).toEqual(Array(5).fill(200));
    for (const call of after) expect(call.at.getTime()).toBeGreaterThanOrEqual(RESET);
    expect(new Set(after.map((call) => call.clientId))).toEqual(new Set(['test-client']));
  }, 60_000);
});
