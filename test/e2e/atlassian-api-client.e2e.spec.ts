import { createV2Client } from 'confluence.js';
import { createCloudClient } from 'jira.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianApiClient,
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianReauthRequiredError,
  AtlassianScopeError,
  AtlassianSiteSelectionError,
  createConfluenceJsClient,
  createJiraJsClient,
} from '../../src/index.js';
import {
  AtlassianEmulator,
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_CLOUD_IDS,
} from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 3600_000;

/** The error a promise rejected with (the assertions that follow fail if it resolved). */
const rejection = (error: unknown): any => error;

describe('AtlassianApiClient against the emulator', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let api: AtlassianApiClient;
  let userId: string;
  const waits: number[] = [];

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { tokens: { cacheTtlMs: 0 }, api: { rateLimitRetries: 2, maxRetryWaitMs: 60_000 } },
      now: () => emulator.clock.now(),
      // Time is faked: every wait is recorded and returns at once.
      sleep: async (ms) => void waits.push(ms),
    });
    api = app.app.get(AtlassianApiClient);
    userId = (await signInThroughApp(app, emulator)).userId;
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });
  afterEach(() => {
    emulator.clearFaults();
    waits.length = 0;
  });

  const sites = () => api.listSites(userId);
  const jiraCalls = () => emulator.calls.filter((call) => call.route === 'jira');

  it('sends calls to the chosen site, by cloudId, URL or name', async () => {
    const all = await sites();
    expect(all).toHaveLength(3);
    for (const site of all) {
      for (const selector of [site.cloudId, { url: site.url }, { name: site.name }]) {
        const me = await api
          .forUser(userId)
          .jira(selector)
          .get<{ accountId: string }>('/rest/api/3/myself');
        expect(me.accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
        expect(jiraCalls().at(-1)!.path).toBe(`/ex/jira/${site.cloudId}/rest/api/3/myself`);
      }
    }
  });

  it('refuses to guess among several sites, and lists them', async () => {
    const error: any = await api.forUser(userId).jira().get('/rest/api/3/myself').catch(rejection);
    expect(error).toBeInstanceOf(AtlassianSiteSelectionError);
    expect(error).toMatchObject({ code: 'atlassian_site_required', status: 400 });
    expect(error.sites.map((s: { cloudId: string }) => s.cloudId).sort()).toEqual(
      (await sites()).map((s) => s.cloudId).sort(),
    );
    expect(error.getResponse().sites).toHaveLength(3);
  });

  it('does not count a site without Confluence scopes as eligible for .confluence()', async () => {
    const all = await sites();
    const jiraOnly = all.find(
      (site) => !site.scopes.some((scope) => scope.includes('confluence')),
    )!;
    await expect(
      api.forUser(userId).confluence(jiraOnly.cloudId).get('/wiki/api/v2/spaces'),
    ).rejects.toMatchObject({ code: 'atlassian_site_not_found' });
    const spaces = await api
      .forUser(userId)
      .confluence(all.find((s) => s !== jiraOnly)!.cloudId)
      .get<{ results: unknown[] }>('/wiki/api/v2/spaces');
    expect(spaces.results.length).toBeGreaterThan(0);
  });

  it('refreshes once when the token expired between calls, and the call succeeds', async () => {
    const jira = api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme);
    await jira.get('/rest/api/3/myself');
    emulator.clock.advance(HOUR_MS);
    const before = emulator.count('token', { grantType: 'refresh_token' });
    await jira.get('/rest/api/3/myself');
    expect(emulator.count('token', { grantType: 'refresh_token' }) - before).toBe(1);
  });

  it('refreshes once on a 401 and retries the call once', async () => {
    const before = emulator.count('token', { grantType: 'refresh_token' });
    emulator.inject({ route: 'jira', status: 401, body: { code: 401, message: 'Unauthorized' } });
    const me = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get<{ accountId: string }>('/rest/api/3/myself');
    expect(me.accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(emulator.count('token', { grantType: 'refresh_token' }) - before).toBe(1);
  });

  it('turns "scope does not match" into AtlassianScopeError without refreshing', async () => {
    const before = emulator.count('token', { grantType: 'refresh_token' });
    emulator.inject({
      route: 'jira',
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
    const call = api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .post('/rest/api/3/issue', { fields: {} }, { scopes: ['write:jira-work'] });
    await expect(call).rejects.toThrow(AtlassianScopeError);
    await call.catch((error: AtlassianScopeError) => {
      expect(error.missingScopes).toEqual(['write:jira-work']);
      expect(error.getStatus()).toBe(403);
      expect(error.target).toMatchObject({
        product: 'jira',
        cloudId: DEFAULT_EMULATOR_CLOUD_IDS.acme,
        method: 'POST',
      });
    });
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(before);
  });

  it('waits for Retry-After on 429, then succeeds', async () => {
    emulator.inject({
      route: 'jira',
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { message: 'Rate limit exceeded' },
    });
    const me = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get<{ accountId: string }>('/rest/api/3/myself');
    expect(me.accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(7_000);
    expect(waits[0]).toBeLessThanOrEqual(7_700);
  });

  it('honours X-RateLimit-Reset when there is no Retry-After', async () => {
    const reset = new Date(emulator.clock.nowMs() + 12_000).toISOString();
    emulator.inject({
      route: 'jira',
      status: 429,
      headers: { 'X-RateLimit-Reset': reset },
      body: { message: 'Rate limit exceeded' },
    });
    await api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme).get('/rest/api/3/myself');
    expect(waits[0]).toBeGreaterThanOrEqual(12_000);
  });

  it('gives up with AtlassianRateLimitError and the retry time beyond the retry budget', async () => {
    emulator.inject({
      route: 'jira',
      status: 429,
      headers: { 'Retry-After': '5' },
      body: { message: 'Rate limit exceeded' },
      times: 3,
    });
    const error: any = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get('/rest/api/3/myself')
      .catch(rejection);
    expect(error).toBeInstanceOf(AtlassianRateLimitError);
    expect(error).toMatchObject({
      code: 'atlassian_rate_limited',
      status: 429,
      upstreamStatus: 429,
    });
    expect(error.retryAt.getTime()).toBeGreaterThanOrEqual(emulator.clock.nowMs() + 5_000);
    expect(waits).toHaveLength(2);
  });

  it('fails at once when Retry-After is longer than the longest wait', async () => {
    emulator.inject({
      route: 'jira',
      status: 429,
      headers: { 'Retry-After': '3600' },
      body: { message: 'Rate limit exceeded' },
    });
    await expect(
      api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme).get('/rest/api/3/myself'),
    ).rejects.toThrow(AtlassianRateLimitError);
    expect(waits).toEqual([]);
  });

  it('retries a GET on 500 but never a POST', async () => {
    emulator.inject({ route: 'jira', status: 500, body: { message: 'boom' } });
    const before = jiraCalls().length;
    await api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme).get('/rest/api/3/myself');
    expect(jiraCalls().length - before).toBe(2);

    emulator.inject({ route: 'jira', status: 500, body: { message: 'boom' } });
    const postsBefore = jiraCalls().length;
    const error: any = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .post('/rest/api/3/issue', { fields: {} })
      .catch(rejection);
    expect(error).toBeInstanceOf(AtlassianApiError);
    expect(error).toMatchObject({ upstreamStatus: 500, status: 502, upstreamMessage: 'boom' });
    expect(jiraCalls().length - postsBefore).toBe(1);
  });

  it('yields all 250 items of an offset-paged list exactly once', async () => {
    const projects = Array.from({ length: 250 }, (_, i) => ({
      id: String(10_000 + i),
      key: `P${i}`,
      name: `Project ${i}`,
    }));
    emulator.addUser({
      accountId: 'pager',
      name: 'Pager',
      sites: [
        {
          id: '7c1c1c1c-0000-4000-8000-000000000250',
          name: 'pages',
          url: 'https://pages.atlassian.net',
          scopes: ['read:jira-work', 'read:jira-user'],
          projects,
        },
      ],
    });
    emulator.signInAs('pager');
    const pager = await signInThroughApp(app, emulator);
    emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
    const seen: string[] = [];
    for await (const project of api
      .forUser(pager.userId)
      .jira()
      .paginateOffset<{ key: string }>('/rest/api/3/project/search', { maxResults: 50 })) {
      seen.push(project.key);
    }
    expect(seen).toHaveLength(250);
    expect(new Set(seen).size).toBe(250);
  });

  it('drives jira.js with our token service (adapter)', async () => {
    const jira = await createJiraJsClient(
      api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.globex),
      createCloudClient,
    );
    const me = await jira.myself.getCurrentUser();
    expect(me.accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(jiraCalls().at(-1)!.path).toBe(
      `/ex/jira/${DEFAULT_EMULATOR_CLOUD_IDS.globex}/rest/api/3/myself`,
    );
  });

  it('drives confluence.js with our token service (adapter)', async () => {
    const confluence = await createConfluenceJsClient(
      api.forUser(userId).confluence(DEFAULT_EMULATOR_CLOUD_IDS.acme),
      createV2Client,
    );
    const spaces = await confluence.space.getSpaces();
    expect(spaces.results?.length).toBeGreaterThan(0);
    expect(emulator.calls.filter((call) => call.route === 'confluence').at(-1)!.path).toBe(
      `/ex/confluence/${DEFAULT_EMULATOR_CLOUD_IDS.acme}/wiki/api/v2/spaces`,
    );
  });

  it('answers reauth_required for a revoked grant, after one refresh and not more', async () => {
    emulator.addUser({
      accountId: 'revoked-api',
      name: 'Revoked',
      sites: [
        {
          id: '7c1c1c1c-0000-4000-8000-00000000dead',
          name: 'revoked',
          url: 'https://revoked.atlassian.net',
          scopes: ['read:jira-work', 'read:jira-user'],
        },
      ],
    });
    emulator.signInAs('revoked-api');
    const revoked = await signInThroughApp(app, emulator);
    emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
    emulator.revokeGrant('revoked-api');
    const before = emulator.count('token', { grantType: 'refresh_token' });
    const client = api.forUser(revoked.userId).jira(revoked.sites[0].cloudId);
    await expect(client.get('/rest/api/3/myself')).rejects.toThrow(AtlassianReauthRequiredError);
    await expect(client.get('/rest/api/3/myself')).rejects.toThrow(AtlassianReauthRequiredError);
    expect(emulator.count('token', { grantType: 'refresh_token' }) - before).toBe(1);
  });

  it('re-syncs the sites when a known site answers 404, and says when the site left the grant', async () => {
    emulator.addUser({
      accountId: 'leaver',
      name: 'Leaver',
      sites: [
        {
          id: '7c1c1c1c-0000-4000-8000-00000000aaaa',
          name: 'stays',
          url: 'https://stays.atlassian.net',
          scopes: ['read:jira-work', 'read:jira-user'],
        },
        {
          id: '7c1c1c1c-0000-4000-8000-00000000bbbb',
          name: 'leaves',
          url: 'https://leaves.atlassian.net',
          scopes: ['read:jira-work', 'read:jira-user'],
        },
      ],
    });
    emulator.signInAs('leaver');
    const leaver = await signInThroughApp(app, emulator);
    emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect((await api.listSites(leaver.userId)).map((s) => s.name)).toEqual(['leaves', 'stays']);
    emulator.setSites('leaver', [
      {
        id: '7c1c1c1c-0000-4000-8000-00000000aaaa',
        name: 'stays',
        url: 'https://stays.atlassian.net',
        scopes: ['read:jira-work', 'read:jira-user'],
      },
    ]);
    const error: any = await api
      .forUser(leaver.userId)
      .jira({ name: 'leaves' })
      .get('/rest/api/3/myself')
      .catch(rejection);
    expect(error).toBeInstanceOf(AtlassianSiteSelectionError);
    expect(error).toMatchObject({ code: 'atlassian_site_not_found', status: 404 });
    expect((await api.listSites(leaver.userId)).map((s) => s.name)).toEqual(['stays']);
    // With one site left, no choice is needed any more.
    const me = await api
      .forUser(leaver.userId)
      .jira()
      .get<{ accountId: string }>('/rest/api/3/myself');
    expect(me.accountId).toBe('leaver');
  });

  it('re-syncs the sites on demand', async () => {
    emulator.addUser({
      accountId: 'grower',
      name: 'Grower',
      sites: [
        {
          id: '7c1c1c1c-0000-4000-8000-00000000cccc',
          name: 'one',
          url: 'https://one.atlassian.net',
          scopes: ['read:jira-work'],
        },
      ],
    });
    emulator.signInAs('grower');
    const grower = await signInThroughApp(app, emulator);
    emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
    emulator.setSites('grower', [
      {
        id: '7c1c1c1c-0000-4000-8000-00000000cccc',
        name: 'one',
        url: 'https://one.atlassian.net',
        scopes: ['read:jira-work'],
      },
      {
        id: '7c1c1c1c-0000-4000-8000-00000000dddd',
        name: 'two',
        url: 'https://two.atlassian.net',
        scopes: ['read:jira-work'],
      },
    ]);
    expect((await api.forUser(grower.userId).syncSites()).map((s) => s.name)).toEqual([
      'one',
      'two',
    ]);
    expect((await api.listSites(grower.userId)).map((s) => s.cloudId)).toEqual([
      '7c1c1c1c-0000-4000-8000-00000000cccc',
      '7c1c1c1c-0000-4000-8000-00000000dddd',
    ]);
  });
});
