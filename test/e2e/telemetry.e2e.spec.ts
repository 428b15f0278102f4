import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianApiClient,
  AtlassianReauthRequiredError,
  AtlassianTokenService,
  TokenCipher,
  TokenRefreshScheduler,
  type AuthenticatedUser,
} from '../../src/index.js';
import {
  AtlassianEmulator,
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_CLOUD_IDS,
} from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase } from '../support/databases.js';
import { plainTokens, storedAccounts } from '../support/stored-accounts.js';
import { TelemetryRecorder, type RecordedPoint } from '../support/telemetry-recorder.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** What the fixture app's OAuth client is registered with (test/support/test-app.ts). */
const CLIENT_SECRET = 'test-secret';
/** A value a query string carries: it must reach no span and no metric. */
const QUERY_MARKER = 'query-value-never-recorded';

const points = TelemetryRecorder.points;
/** The one point whose attributes include `attributes`; fails on none or several. */
function pointWith(all: RecordedPoint[], attributes: Record<string, unknown>): RecordedPoint {
  const matching = all.filter((point) =>
    Object.entries(attributes).every(([key, value]) => point.attributes[key] === value),
  );
  expect(matching, JSON.stringify({ attributes, all })).toHaveLength(1);
  return matching[0];
}

describe.each(['sqlite', 'postgres'] as const)('metrics and traces (%s)', (kind) => {
  let recorder: TelemetryRecorder;
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let alice: AuthenticatedUser;
  let bob: AuthenticatedUser;
  /** Every token, code and secret the run handled: none may be in what was recorded. */
  const secrets = new Set<string>();
  const waits: number[] = [];

  beforeAll(async () => {
    recorder = TelemetryRecorder.register();
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      options: {
        tokens: { cacheTtlMs: 0 },
        api: { rateLimitRetries: 2, maxRetryWaitMs: 60_000 },
        refreshScheduler: { enabled: false, windowSeconds: 5 * 60 },
      },
      now: () => emulator.clock.now(),
      sleep: async (ms) => void waits.push(ms),
    });
    secrets.add(CLIENT_SECRET).add(app.encryptionKey);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
    await recorder?.shutdown();
  });

  /**
   * Signs `accountId` in through the app's routes, keeping the authorization code it carried; a new
   * user (no sites) unless it is the emulator's default one (three sites).
   */
  async function signIn(accountId: string): Promise<AuthenticatedUser> {
    if (accountId !== DEFAULT_EMULATOR_ACCOUNT_ID) emulator.addUser({ accountId, name: accountId });
    emulator.signInAs(accountId);
    const session = new BrowserSession();
    const login = await session.request(`${app.url}/auth/atlassian`);
    const callback = await emulator.approve(login.headers.get('location')!);
    secrets.add(new URL(callback).searchParams.get('code')!);
    const response = await session.request(callback);
    expect(response.status).toBe(200);
    await rememberTokens();
    return (await response.json()) as AuthenticatedUser;
  }

  /** Adds the plain tokens stored now to the secrets (refreshes rotate them). */
  async function rememberTokens(): Promise<void> {
    const cipher = app.app.get(TokenCipher);
    for (const row of await storedAccounts(app.dataSource)) {
      const { accessToken, refreshToken } = plainTokens(cipher, row);
      for (const token of [accessToken, refreshToken]) if (token) secrets.add(token);
    }
  }

  const tokenRequests = () =>
    recorder.spans().filter((span) => span.attributes['atlassian.oauth.grant_type'] !== undefined);

  it('traces a sign-in, its code exchange a child span, and measures the exchange', async () => {
    alice = await signIn(DEFAULT_EMULATOR_ACCOUNT_ID);
    bob = await signIn('bob');

    const signIns = recorder.spans('atlassian.sign_in');
    expect(signIns).toHaveLength(2);
    for (const span of signIns) {
      expect(span).toMatchObject({
        kind: SpanKind.INTERNAL,
        attributes: { 'atlassian.provider': 'atlassian' },
        status: { code: SpanStatusCode.UNSET },
        scope: 'nestjs-atlassian@0.1.0',
      });
    }
    const exchanges = tokenRequests();
    expect(exchanges).toHaveLength(2);
    const tokenURL = new URL(`${emulator.authBaseURL}/oauth/token`);
    for (const [index, span] of exchanges.entries()) {
      expect(span.parentSpanId).toBe(signIns[index].spanId);
      expect(span).toMatchObject({
        name: `POST ${tokenURL.pathname}`,
        kind: SpanKind.CLIENT,
        attributes: {
          'atlassian.provider': 'atlassian',
          'atlassian.oauth.grant_type': 'authorization_code',
          'http.request.method': 'POST',
          'http.response.status_code': 200,
          'server.address': '127.0.0.1',
          'server.port': Number(tokenURL.port),
          'url.template': tokenURL.pathname,
        },
      });
    }
    const metrics = await recorder.collect();
    const exchange = pointWith(points(metrics.get('atlassian.token_endpoint.request.duration')), {
      'atlassian.oauth.grant_type': 'authorization_code',
    });
    expect(exchange).toMatchObject({
      count: 2,
      attributes: {
        'atlassian.provider': 'atlassian',
        'http.request.method': 'POST',
        'http.response.status_code': 200,
        'server.address': '127.0.0.1',
        'server.port': Number(tokenURL.port),
        'url.scheme': 'http',
      },
    });
    expect(metrics.get('atlassian.token_endpoint.request.duration')!.descriptor.unit).toBe('s');
  });

  it('ends the span of a declined sign-in with its error code, and no code exchange', async () => {
    const session = new BrowserSession();
    const login = await session.request(`${app.url}/auth/atlassian`);
    const callback = await emulator.approve(login.headers.get('location')!, { deny: true });
    expect((await session.request(callback)).status).toBe(401);

    const [declined] = recorder.spans('atlassian.sign_in').slice(-1);
    expect(declined).toMatchObject({
      attributes: { 'atlassian.provider': 'atlassian', 'error.type': 'oauth_access_denied' },
      status: { code: SpanStatusCode.ERROR, message: 'oauth_access_denied' },
      events: [{ name: 'exception', attributes: { 'exception.type': 'oauth_access_denied' } }],
    });
    expect(recorder.spans().filter((span) => span.parentSpanId === declined.spanId)).toEqual([]);
  });

  it('counts refreshes by outcome, with a span each and the token request its child', async () => {
    emulator.clock.advance(HOUR_MS);
    const tokens = app.app.get(AtlassianTokenService);
    await tokens.getAccessToken({ accountId: alice.account.id });
    await rememberTokens();
    emulator.revokeGrant(bob.account.providerAccountId);
    await expect(tokens.getAccessToken({ accountId: bob.account.id })).rejects.toThrow(
      AtlassianReauthRequiredError,
    );

    const refreshes = recorder.spans('atlassian.token.refresh');
    expect(refreshes.map((span) => span.attributes)).toEqual([
      {
        'atlassian.provider': 'atlassian',
        'atlassian.account.id': alice.account.id,
        'atlassian.token.refresh.outcome': 'refreshed',
      },
      {
        'atlassian.provider': 'atlassian',
        'atlassian.account.id': bob.account.id,
        'atlassian.token.refresh.outcome': 'reauth_required',
        'error.type': 'reauth_required',
      },
    ]);
    expect(refreshes[0].status.code).toBe(SpanStatusCode.UNSET);
    expect(refreshes[1].status).toEqual({ code: SpanStatusCode.ERROR, message: 'reauth_required' });
    expect(refreshes[1].events).toEqual([
      { name: 'exception', attributes: { 'exception.type': 'reauth_required' } },
    ]);
    const refreshRequests = tokenRequests().filter(
      (span) => span.attributes['atlassian.oauth.grant_type'] === 'refresh_token',
    );
    expect(refreshRequests.map((span) => span.parentSpanId)).toEqual(
      refreshes.map((span) => span.spanId),
    );
    // The emulator answers a revoked grant as Atlassian does: 403 invalid_grant.
    expect(refreshRequests[1].attributes).toMatchObject({
      'http.response.status_code': 403,
      'error.type': 'invalid_grant',
    });

    const metrics = await recorder.collect();
    const durations = points(metrics.get('atlassian.token.refresh.duration'));
    expect(durations).toHaveLength(2);
    expect(pointWith(durations, { 'atlassian.token.refresh.outcome': 'refreshed' })).toMatchObject({
      count: 1,
      attributes: { 'atlassian.provider': 'atlassian' },
    });
    expect(
      pointWith(durations, { 'atlassian.token.refresh.outcome': 'reauth_required' }).count,
    ).toBe(1);
    const endpoint = points(metrics.get('atlassian.token_endpoint.request.duration'));
    expect(
      pointWith(endpoint, {
        'atlassian.oauth.grant_type': 'refresh_token',
        'http.response.status_code': 200,
      }).count,
    ).toBe(1);
    expect(
      pointWith(endpoint, {
        'atlassian.oauth.grant_type': 'refresh_token',
        'http.response.status_code': 403,
      }).attributes['error.type'],
    ).toBe('403');
  });

  it('measures a scheduler tick, and reports the backlog it starts with and the accounts by status', async () => {
    for (const accountId of ['carol', 'dave', 'erin']) await signIn(accountId);
    const before = await recorder.collect();
    expect(points(before.get('atlassian.token.refresh.due'))).toEqual([
      { attributes: {}, value: 0 },
    ]);
    // Every active token (alice's refreshed one, three new ones) now expires within the 5-minute window.
    emulator.clock.advance(HOUR_MS - 2 * MINUTE_MS);
    const due = await recorder.collect();
    expect(points(due.get('atlassian.token.refresh.due'))).toEqual([{ attributes: {}, value: 4 }]);
    expect(due.get('atlassian.accounts')!.descriptor.unit).toBe('{account}');
    expect(
      points(due.get('atlassian.accounts')).sort((a, b) =>
        String(a.attributes['atlassian.account.status']).localeCompare(
          String(b.attributes['atlassian.account.status']),
        ),
      ),
    ).toEqual([
      {
        attributes: { 'atlassian.provider': 'atlassian', 'atlassian.account.status': 'active' },
        value: 4,
      },
      {
        attributes: { 'atlassian.provider': 'atlassian', 'atlassian.account.status': 'closed' },
        value: 0,
      },
      {
        attributes: {
          'atlassian.provider': 'atlassian',
          'atlassian.account.status': 'reauth_required',
        },
        value: 1,
      },
      {
        attributes: { 'atlassian.provider': 'atlassian', 'atlassian.account.status': 'revoked' },
        value: 0,
      },
    ]);

    expect((await app.app.get(TokenRefreshScheduler).runOnce()).refreshed).toBe(4);
    await rememberTokens();
    // Past the counts' reuse time, so the next collection reads the database again.
    emulator.clock.advance(MINUTE_MS);
    const after = await recorder.collect();
    expect(points(after.get('atlassian.token.refresh.due'))).toEqual([
      { attributes: {}, value: 0 },
    ]);
    expect(points(after.get('atlassian.scheduler.tick.duration'))).toMatchObject([
      { attributes: { 'atlassian.scheduler.job': 'token_refresh' }, count: 1 },
    ]);
    expect(
      pointWith(points(after.get('atlassian.token.refresh.duration')), {
        'atlassian.token.refresh.outcome': 'refreshed',
      }).count,
    ).toBe(5);
    // Scheduled refreshes have no caller to belong to: each is the root of its trace.
    const scheduled = recorder.spans('atlassian.token.refresh').slice(-4);
    expect(scheduled.every((span) => span.parentSpanId === undefined)).toBe(true);
  });

  it('traces Jira calls by route template, and measures each exchange and the wait a 429 imposed', async () => {
    const jira = app.app
      .get(AtlassianApiClient)
      .forUser(alice.userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme);
    await jira.get('/rest/api/3/myself', { query: { expand: QUERY_MARKER } });
    emulator.inject({
      route: 'jira',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { message: 'Rate limit exceeded' },
    });
    await jira.get('/rest/api/3/myself');
    expect(waits).toHaveLength(1);

    const template = '/ex/jira/{id}/rest/api/3/myself';
    const calls = recorder.spans(`GET ${template}`);
    expect(calls).toHaveLength(2);
    const apiURL = new URL(emulator.apiBaseURL);
    for (const span of calls) {
      expect(span).toMatchObject({
        kind: SpanKind.CLIENT,
        attributes: {
          'atlassian.product': 'jira',
          'http.request.method': 'GET',
          'http.response.status_code': 200,
          'url.template': template,
          'server.address': '127.0.0.1',
          'server.port': Number(apiURL.port),
        },
        status: { code: SpanStatusCode.UNSET },
      });
    }
    expect(calls[0].events).toEqual([]);
    expect(calls[1].events).toEqual([
      {
        name: 'atlassian.rate_limit.wait',
        attributes: {
          'atlassian.product': 'jira',
          'http.response.status_code': 429,
          'atlassian.wait.seconds': waits[0] / 1000,
        },
      },
    ]);

    const metrics = await recorder.collect();
    const exchanges = points(metrics.get('atlassian.api.request.duration'));
    expect(exchanges).toHaveLength(2);
    expect(pointWith(exchanges, { 'http.response.status_code': 200 })).toMatchObject({
      count: 2,
      attributes: {
        'atlassian.product': 'jira',
        'http.request.method': 'GET',
        'server.address': '127.0.0.1',
      },
    });
    expect(pointWith(exchanges, { 'http.response.status_code': 429 })).toMatchObject({
      count: 1,
      attributes: { 'error.type': '429' },
    });
    expect(points(metrics.get('atlassian.api.rate_limit.wait.duration'))).toEqual([
      {
        attributes: { 'atlassian.product': 'jira', 'http.response.status_code': 429 },
        count: 1,
        sum: waits[0] / 1000,
      },
    ]);
    expect(waits[0]).toBeGreaterThanOrEqual(7_000);
  });

  it('reports the rate-limit budget the latest answer gave, and whether it is near its limit', async () => {
    const cloudId = DEFAULT_EMULATOR_CLOUD_IDS.acme;
    emulator.inject({
      route: 'jira',
      status: 200,
      headers: {
        RateLimit: '"tenant-app-quota";r=90;t=100',
        'RateLimit-Policy': '"tenant-app-quota";q=1000;w=3600',
        'X-RateLimit-NearLimit': 'true',
      },
      body: {},
    });
    await app.app
      .get(AtlassianApiClient)
      .forUser(alice.userId)
      .jira(cloudId)
      .get('/rest/api/3/myself');
    const metrics = await recorder.collect();
    const attributes = {
      'atlassian.product': 'jira',
      'atlassian.site.cloud_id': cloudId,
      'atlassian.rate_limit.policy': 'tenant-app-quota',
    };
    expect(points(metrics.get('atlassian.api.rate_limit.remaining'))).toContainEqual({
      attributes,
      value: 90,
    });
    expect(points(metrics.get('atlassian.api.rate_limit.near_limit'))).toContainEqual({
      attributes,
      value: 1,
    });
  });

  it('nests the refresh a 401 forces under the call, and types a failed call by its code', async () => {
    const jira = app.app
      .get(AtlassianApiClient)
      .forUser(alice.userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme);
    emulator.inject({ route: 'jira', status: 401, body: { code: 401, message: 'Unauthorized' } });
    await jira.get('/rest/api/3/myself');
    await rememberTokens();
    const [call] = recorder.spans('GET /ex/jira/{id}/rest/api/3/myself').slice(-1);
    const [forced] = recorder.spans('atlassian.token.refresh').slice(-1);
    expect(forced.parentSpanId).toBe(call.spanId);
    expect(call.attributes['http.response.status_code']).toBe(200);

    emulator.inject({ route: 'jira', status: 500, body: { message: 'boom' }, times: Infinity });
    await expect(jira.get('/rest/api/3/project/search')).rejects.toMatchObject({
      code: 'atlassian_api_error',
    });
    emulator.clearFaults();
    const [failed] = recorder.spans('GET /ex/jira/{id}/rest/api/3/project/search');
    expect(failed.status).toEqual({ code: SpanStatusCode.ERROR, message: 'atlassian_api_error' });
    expect(failed.attributes).toMatchObject({
      'error.type': 'atlassian_api_error',
      'http.response.status_code': 500,
    });
    expect(failed.events).toEqual([
      { name: 'exception', attributes: { 'exception.type': 'atlassian_api_error' } },
    ]);

    const exchanges = points((await recorder.collect()).get('atlassian.api.request.duration'));
    expect(pointWith(exchanges, { 'http.response.status_code': 401 })).toMatchObject({
      count: 1,
      attributes: { 'error.type': '401' },
    });
    // The first try and every retry of an idempotent call (api.maxRetries, 2 by default).
    expect(pointWith(exchanges, { 'http.response.status_code': 500 }).count).toBe(3);
  });

  it('records no token, code, secret or query value anywhere', async () => {
    await rememberTokens();
    const everything = recorder.everything();
    expect(everything).toContain('atlassian.token.refresh');
    // Two codes, the client secret, the key, and the tokens of five accounts, rotated.
    expect(secrets.size).toBeGreaterThanOrEqual(14);
    for (const secret of secrets)
      expect(everything.includes(secret), secret.slice(0, 8)).toBe(false);
    expect(everything).not.toContain(QUERY_MARKER);
    expect(everything).not.toMatch(/bearer/i);
  });
});
