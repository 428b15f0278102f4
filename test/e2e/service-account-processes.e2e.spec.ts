import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiClient, ServiceAccountToken } from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { sameAppSpec, startTokenWorkers, type TokenWorkers } from '../support/worker-processes.js';

const { acme } = DEFAULT_EMULATOR_CLOUD_IDS;
const ROBOT = { clientId: 'robot-client', clientSecret: 'robot-secret-0123456789' };
/**
 * Short-lived tokens on a clock that runs in real time, so that two real processes see one expire:
 * with the refresh skew capped at half the lifetime, a token is renewed 10 s after it was fetched.
 */
const TOKEN_TTL_SECONDS = 20;
const CALLS = 50;

/**
 * The service account's token is fetched once for the calls of two processes sharing one PostgreSQL
 * database, and renewed once between them when it comes to its expiry.
 */
describe('Service accounts across two processes on one database (postgres)', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let workers: TokenWorkers | undefined;
  const serviceAccounts = { robot: ROBOT };
  const job = {
    kind: 'service-account-jira',
    name: 'robot',
    cloudId: acme,
    path: '/rest/api/3/myself',
    calls: CALLS,
  } as const;
  const tokenRequests = () => emulator.count('token', { grantType: 'client_credentials' });

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start({
      realTimeClock: true,
      now: new Date(),
      accessTokenTtlSeconds: TOKEN_TTL_SECONDS,
    });
    emulator.registerServiceAccount({ ...ROBOT, scopes: ['read:jira-work'], sites: [acme] });
    const database = await createTestDatabase('postgres');
    app = await startTestApp({ database, emulator, options: { serviceAccounts } });
    workers = await startTokenWorkers([
      { spec: sameAppSpec(app, database, emulator, { serviceAccounts }) },
    ]);
  }, 120_000);
  afterAll(async () => {
    await workers?.close();
    await app?.close();
    await emulator?.stop();
  });

  /** 50 concurrent Jira calls in this process and 50 in the other, at once; each one's outcome. */
  async function bothProcesses(): Promise<unknown[]> {
    const jira = app.app.get(AtlassianApiClient).forServiceAccount('robot').jira(acme);
    const [elsewhere, ...here] = await Promise.all([
      workers!.workers[0].run(job),
      ...Array.from({ length: CALLS }, () =>
        jira.get('/rest/api/3/myself').then(
          () => ({ answered: true }),
          (err: unknown) => ({ errorCode: (err as { code?: string }).code }),
        ),
      ),
    ]);
    return [...here, ...elsewhere.outcomes];
  }

  it('fetches one token for 100 calls from two processes, and renews it once at its expiry', async () => {
    expect(await bothProcesses()).toEqual(Array(2 * CALLS).fill({ answered: true }));
    expect(tokenRequests()).toBe(1);
    expect(emulator.count('jira', { status: 200 })).toBe(2 * CALLS);

    // Wait (real time) until the stored token is inside its refresh window: half its lifetime.
    const row = await app.dataSource.getRepository(ServiceAccountToken).findOneByOrFail({
      id: 'robot',
    });
    const renewAtMs = row.fetchedAt!.getTime() + (TOKEN_TTL_SECONDS / 2) * 1000;
    await sleep(Math.max(0, renewAtMs - Date.now()) + 500);

    expect(await bothProcesses()).toEqual(Array(2 * CALLS).fill({ answered: true }));
    expect(tokenRequests()).toBe(2);
    expect(emulator.count('jira', { status: 200 })).toBe(4 * CALLS);
    expect(emulator.count('jira', { status: 401 })).toBe(0);
  }, 90_000);
});
