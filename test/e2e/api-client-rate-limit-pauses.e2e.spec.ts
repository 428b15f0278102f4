import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianRateLimitError, type AtlassianApiClient } from '../../src/index.js';
import {
  DEFAULT_EMULATOR_USER,
  DEFAULT_EMULATOR_CLOUD_IDS,
  type AtlassianEmulator,
} from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { BrowserSession } from '../support/browser-session.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const SECOND_USER = 'rate-limit-second-user';

/** A 429 as Jira's gateway sends it, with the reason that decides what it pauses. */
const limited = (reason: string, retryAfterSeconds: number) => ({
  route: 'jira' as const,
  status: 429,
  headers: {
    'RateLimit-Reason': reason,
    'Retry-After': String(retryAfterSeconds),
    'X-RateLimit-Remaining': '0',
  },
  body: { message: 'Rate limit exceeded' },
});

describe('Rate-limit pauses: the reason decides what waits (one process, virtual time)', () => {
  let signedIn: SignedInApi;
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let firstUser: string;
  let secondUser: string;
  /** Every wait the client asked for; each moves the emulator's (and the app's) clock. */
  const waits: number[] = [];
  const logger = new CapturingLogger();

  beforeAll(async () => {
    signedIn = await startSignedInApi((started) => ({
      logger,
      options: { api: { maxRetryWaitMs: 120_000 } },
      now: () => started.clock.now(),
      sleep: async (ms) => {
        waits.push(ms);
        started.clock.advance(ms);
      },
    }));
    ({ emulator, api, userId: firstUser } = signedIn);
    emulator.addUser({
      ...DEFAULT_EMULATOR_USER,
      accountId: SECOND_USER,
      email: 'second@example.com',
    });
    secondUser = await signInAs(SECOND_USER);
  });
  afterAll(() => signedIn?.close());
  afterEach(() => {
    emulator.clearFaults();
    waits.length = 0;
    // Past every pause a test left behind.
    emulator.clock.advance(3600_000);
  });

  async function signInAs(accountId: string): Promise<string> {
    const session = new BrowserSession();
    const login = await session.request(`${signedIn.app.url}/auth/atlassian`);
    const callback = await emulator.approve(login.headers.get('location')!, { accountId });
    const response = await session.request(callback);
    expect(response.status, logger.lines.join('\n')).toBe(200);
    return ((await response.json()) as { userId: string }).userId;
  }

  const jiraCallsSince = (index: number) =>
    emulator.calls.slice(index).filter((call) => call.route === 'jira');
  const myself = (userId: string, site: string, onRateLimit?: 'wait' | 'fail') =>
    api.forUser(userId).jira(site).get('/rest/api/3/myself', { onRateLimit });

  it('an app-wide quota pauses every user and site until the reset, then all succeed', async () => {
    emulator.inject(limited('jira-quota-global-based', 60));
    const start = emulator.calls.length;
    const limitedAt = emulator.clock.now().getTime();

    const refused = await myself(firstUser, acme, 'fail').catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AtlassianRateLimitError);
    expect(refused).toMatchObject({ reason: 'jira-quota-global-based', status: 429 });
    expect((refused as AtlassianRateLimitError).retryAt.getTime()).toBe(limitedAt + 60_000);

    // Another user on another site, failing fast: refused without a call.
    const other = await myself(secondUser, globex, 'fail').catch((err: unknown) => err);
    expect(other).toMatchObject({
      code: 'atlassian_rate_limited',
      reason: 'jira-quota-global-based',
    });
    expect(jiraCallsSince(start)).toHaveLength(1);

    // Waiting: both calls wait for the reset, and only then reach Jira.
    await Promise.all([myself(firstUser, acme), myself(secondUser, globex)]);
    const calls = jiraCallsSince(start);
    expect(calls).toHaveLength(3);
    for (const call of calls.slice(1)) {
      expect(call.status).toBe(200);
      expect(call.at.getTime()).toBeGreaterThanOrEqual(limitedAt + 60_000);
    }
  });

  it('a site quota pauses that site only', async () => {
    emulator.inject(limited('jira-quota-tenant-based', 45));
    const start = emulator.calls.length;
    const refused = await myself(firstUser, acme, 'fail').catch((err: unknown) => err);
    expect(refused).toMatchObject({ reason: 'jira-quota-tenant-based' });

    await myself(secondUser, globex, 'fail'); // another site: goes at once
    const sameSite = await myself(secondUser, acme, 'fail').catch((err: unknown) => err);
    expect(sameSite).toMatchObject({ code: 'atlassian_rate_limited' });
    expect(waits).toEqual([]);
    expect(jiraCallsSince(start).map((call) => [call.path.split('/')[3], call.status])).toEqual([
      [acme, 429],
      [globex, 200],
    ]);
  });

  it('a burst limit slows that endpoint only', async () => {
    emulator.inject({
      ...limited('jira-burst-based', 2),
      match: { path: `/ex/jira/${acme}/rest/api/3/myself` },
    });
    const start = emulator.calls.length;
    await myself(firstUser, acme); // waits 2 s, then succeeds
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(2_000);
    // While the endpoint was paused another endpoint on the same site was free; now both are.
    emulator.inject({
      ...limited('jira-burst-based', 30),
      match: { path: `/ex/jira/${acme}/rest/api/3/myself` },
    });
    await expect(myself(firstUser, acme, 'fail')).rejects.toMatchObject({
      reason: 'jira-burst-based',
    });
    await api.forUser(firstUser).jira(acme).get('/rest/api/3/project', { onRateLimit: 'fail' });
    expect(jiraCallsSince(start).map((call) => call.status)).toEqual([429, 200, 429, 200]);
  });

  it('a call that chose to wait fails at once when the pause ends beyond maxRetryWaitMs', async () => {
    emulator.inject(limited('jira-quota-global-based', 600));
    const start = emulator.calls.length;
    const error = await myself(firstUser, acme).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AtlassianRateLimitError);
    expect(waits).toEqual([]);
    await expect(myself(secondUser, acme)).rejects.toBeInstanceOf(AtlassianRateLimitError);
    expect(jiraCallsSince(start)).toHaveLength(1);
  });

  it('exposes the budget the answers reported', async () => {
    emulator.inject({
      route: 'jira',
      status: 200,
      headers: {
        'Beta-RateLimit': '"tenant-app-quota";r=1200;t=600',
        'X-Beta-RateLimit-NearLimit': 'true',
        'Beta-RateLimit-Policy': '"tenant-app-quota";q=100100;w=3600',
      },
      body: {},
    });
    await myself(firstUser, acme);
    const answeredAt = emulator.clock.now().getTime();
    expect(api.rateLimitBudgets()[0]).toMatchObject({
      resetAt: new Date(answeredAt + 600_000),
      product: 'jira',
      cloudId: acme,
      policy: 'tenant-app-quota',
      limit: 100100,
      remaining: 1200,
      nearLimit: true,
    });
  });
});
