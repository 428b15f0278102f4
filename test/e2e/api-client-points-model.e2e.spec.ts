import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianRateLimitError, type AtlassianApiClient } from '../../src/index.js';
import {
  DEFAULT_EMULATOR_CLOUD_IDS,
  type AtlassianEmulator,
  type EmulatorCall,
} from '../../src/testing/index.js';
import { ScopedTestController } from '../fixtures/scoped-test.controller.js';
import { BrowserSession } from '../support/browser-session.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const HOUR_MS = 3600_000;

/**
 * The client against the emulator's points model (cost per call, hourly budgets reset at the top of
 * the hour, per-issue write limits, both header forms), with virtual time: every wait the client asks
 * for moves the emulator's clock, which is also the app's.
 */
describe('API client under the points model (one process, virtual time)', () => {
  let signedIn: SignedInApi;
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let userId: string;
  const waits: number[] = [];

  beforeAll(async () => {
    const setup = (started: AtlassianEmulator) => ({
      options: { api: { maxRetryWaitMs: HOUR_MS } },
      // Its @RequireAtlassianScopes names write:jira-work, which lets the login route ask for it.
      controllers: [ScopedTestController],
      now: () => started.clock.now(),
      sleep: async (ms: number) => {
        waits.push(ms);
        started.clock.advance(ms);
      },
    });
    signedIn = await startSignedInApi((started) => {
      // Half past the hour, whatever the real time: the first test waits half an hour for the
      // quota's reset (plus up to 10% jitter), well within the life of the tokens issued now. From
      // the real minute, a sign-in just after the hour saw its token expire during that wait.
      started.clock.set(new Date(Math.floor(Date.now() / HOUR_MS) * HOUR_MS + HOUR_MS / 2));
      return setup(started);
    });
    ({ emulator, api, userId } = signedIn);

    // Consent to writes too (the issue edits below): the same account, one more scope.
    const session = new BrowserSession();
    const login = await session.request(`${signedIn.app.url}/auth/atlassian?scope=write:jira-work`);
    const consented = await session.request(await emulator.approve(login.headers.get('location')!));
    expect(consented.status).toBe(200);
  });
  afterAll(() => signedIn?.close());
  afterEach(() => {
    emulator.setRateLimits(undefined);
    waits.length = 0;
  });

  const jiraCalls = (from: number): EmulatorCall[] =>
    emulator.calls.slice(from).filter((call) => call.route === 'jira');
  const nextHour = () => Math.ceil((emulator.clock.now().getTime() + 1) / HOUR_MS) * HOUR_MS;

  it('pauses every call of the app at a spent app quota and resumes at the top of the hour', async () => {
    emulator.setRateLimits({ appPointsPerHour: 10 });
    const start = emulator.calls.length;
    const reset = nextHour();
    const refused = await (async () => {
      for (;;)
        await api.forUser(userId).jira(acme).get('/rest/api/3/myself', { onRateLimit: 'fail' });
    })().catch((err: unknown) => err);
    expect(refused).toBeInstanceOf(AtlassianRateLimitError);
    expect(refused).toMatchObject({ reason: 'jira-quota-global-based' });
    const limitedAt = emulator.calls.length;

    // Other sites wait too, and every waiting call reaches Jira only after the reset.
    await Promise.all(
      [acme, globex, acme].map((site) => api.forUser(userId).jira(site).get('/rest/api/3/myself')),
    );
    const after = jiraCalls(limitedAt);
    expect(after.map((call) => call.status)).toEqual([200, 200, 200]);
    for (const call of after) expect(call.at.getTime()).toBeGreaterThanOrEqual(reset);
    expect(jiraCalls(start).filter((call) => call.status === 429)).toHaveLength(1);
  });

  it('spaces 25 writes to one issue so that none meets the per-issue limit', async () => {
    emulator.setRateLimits({ perIssueWrites: true });
    const start = emulator.calls.length;
    const issue = api.forUser(userId).jira(acme);
    for (let i = 0; i < 25; i++)
      await issue.put('/rest/api/3/issue/ACME-1', { fields: { summary: `edit ${i}` } });
    const writes = jiraCalls(start);
    expect(writes).toHaveLength(25);
    expect(writes.every((call) => call.status === 204)).toBe(true);
    expect(waits.length).toBeGreaterThan(0); // the 21st waited for the 2 s window
  });

  it('reads the trial header form, and a site quota 429 without Retry-After pauses that site until its reset', async () => {
    emulator.setRateLimits({ sitePointsPerHour: 4, headerForm: 'beta', retryAfter: false });
    const start = emulator.calls.length;
    const reset = nextHour();
    const refused = await (async () => {
      for (;;)
        await api.forUser(userId).jira(acme).get('/rest/api/3/myself', { onRateLimit: 'fail' });
    })().catch((err: unknown) => err);
    expect(refused).toMatchObject({ reason: 'jira-quota-tenant-based' });
    // The reset came from X-Beta-RateLimit-Reset (to the minute) or the quota's t, never earlier.
    expect((refused as AtlassianRateLimitError).retryAt.getTime()).toBeGreaterThanOrEqual(reset);

    await api.forUser(userId).jira(globex).get('/rest/api/3/myself', { onRateLimit: 'fail' });
    await api.forUser(userId).jira(acme).get('/rest/api/3/myself');
    const calls = jiraCalls(start);
    expect(calls.filter((call) => call.status === 429)).toHaveLength(1);
    expect(calls.at(-1)).toMatchObject({ status: 200, cloudId: acme });
    expect(calls.at(-1)!.at.getTime()).toBeGreaterThanOrEqual(reset);
  });
});
