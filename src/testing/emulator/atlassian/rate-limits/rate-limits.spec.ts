import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../atlassian-emulator.js';
import { DEFAULT_EMULATOR_CLOUD_IDS } from '../../emulator-defaults.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
/** The instant of a live answer seen in March 2026: 2107.497 s before the top of the hour. */
const NOW = new Date('2026-03-26T16:24:52.503Z');
const ISSUE = 'GET /rest/api/3/issue/{issueIdOrKey}';
const SCOPES = ['read:jira-work', 'write:jira-work', 'read:confluence-space.summary'];

describe('points-based rate limits on /ex', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const send = async (method: string, url: string, bearer = token) => {
    const response = await fetch(`${emulator.apiBaseURL}${url}`, {
      method,
      headers: { authorization: `Bearer ${bearer}`, 'content-type': 'application/json' },
      body: method === 'GET' ? undefined : JSON.stringify({ fields: { summary: 'Edited' } }),
    });
    await response.body?.cancel();
    const headers = Object.fromEntries(
      [...response.headers].filter(([name]) => /ratelimit|retry-after/.test(name)),
    );
    return { status: response.status, headers };
  };
  /** GET one issue: 1 point plus 1 for the issue. */
  const readIssue = (cloudId: string = acme, bearer = token) =>
    send(
      'GET',
      `/ex/jira/${cloudId}/rest/api/3/issue/${cloudId === acme ? 'ACME-1' : 'GLX-1'}`,
      bearer,
    );
  const editIssue = (key = 'ACME-1', bearer = token) =>
    send('PUT', `/ex/jira/${acme}/rest/api/3/issue/${key}`, bearer);
  const spaces = () => send('GET', `/ex/confluence/${acme}/wiki/api/v2/spaces`);
  const statuses = async (times: number, call: () => Promise<{ status: number }>) => {
    const seen: number[] = [];
    for (let i = 0; i < times; i++) seen.push((await call()).status);
    return seen;
  };

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ now: NOW });
    emulator.registerClient({ clientId: 'other-app', clientSecret: 's', redirectUris: [] });
    token = emulator.issueTokens({ scopes: SCOPES }).access_token;
  });
  afterEach(() => emulator.stop());

  it('are off by default: no refusals and no rate-limit headers, but every call notes its points', async () => {
    for (let i = 0; i < 30; i++) expect(await readIssue()).toEqual({ status: 200, headers: {} });
    expect(emulator.count('jira', { status: 200, points: 2 })).toBe(30);
  });

  describe('the app quota (Tier 1, global)', () => {
    it('refuses the call after the budget is spent, with every header, and the refusal costs nothing', async () => {
      emulator.setRateLimits({ appPointsPerHour: 10 });
      expect(await statuses(5, () => readIssue())).toEqual([200, 200, 200, 200, 200]);
      expect(await readIssue()).toEqual({
        status: 429,
        headers: {
          'ratelimit-reason': 'jira-quota-global-based',
          'retry-after': '2108',
          'x-ratelimit-limit': '10',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '2026-03-26T17:00Z',
          'ratelimit-policy': '"global-app-quota";q=10;w=3600',
          ratelimit: '"global-app-quota";r=0;t=2107',
          'x-ratelimit-nearlimit': 'true',
        },
      });
      expect(emulator.calls.at(-1)).toMatchObject({
        route: 'jira',
        status: 429,
        rateLimitReason: 'jira-quota-global-based',
        endpoint: ISSUE,
      });
      expect(emulator.calls.at(-1)?.points).toBeUndefined();
      expect(emulator.count('jira', { status: 429 })).toBe(1);
    });

    it('is shared by every site of the app, but not by another app, nor by Confluence', async () => {
      emulator.setRateLimits({ appPointsPerHour: 4 });
      expect(await statuses(2, () => readIssue(acme))).toEqual([200, 200]);
      expect((await readIssue(globex)).status).toBe(429);
      const otherApp = emulator.issueTokens({ scopes: SCOPES, clientId: 'other-app' }).access_token;
      expect((await readIssue(globex, otherApp)).status).toBe(200);
      expect((await spaces()).status).toBe(200);
    });

    it('lets the call that spends the budget overdraw it; remaining never goes below 0', async () => {
      emulator.setRateLimits({ appPointsPerHour: 3 });
      const search = await send('GET', `/ex/jira/${acme}/rest/api/3/search/jql?jql=project=ACME`);
      expect(search.status).toBe(200);
      expect(emulator.calls.at(-1)?.points).toBe(4);
      expect(search.headers.ratelimit).toBe('"global-app-quota";r=0;t=2107');
      expect((await readIssue()).status).toBe(429);
    });

    it('reports what is left on each success, near-limit only under 20%', async () => {
      emulator.setRateLimits({ appPointsPerHour: 12 });
      const seen = [];
      for (let i = 0; i < 5; i++) seen.push((await readIssue()).headers);
      expect(seen.map((headers) => headers.ratelimit)).toEqual(
        [10, 8, 6, 4, 2].map((left) => `"global-app-quota";r=${left};t=2107`),
      );
      // 2 of 12 is under 20%; 4 is not.
      expect(seen.map((headers) => headers['x-ratelimit-nearlimit'])).toEqual([
        undefined,
        undefined,
        undefined,
        undefined,
        'true',
      ]);
      expect(seen[0]!['ratelimit-policy']).toBe('"global-app-quota";q=12;w=3600');
      expect(seen[0]!['ratelimit-reason']).toBeUndefined();
    });

    it('resets at the top of the hour on the emulator clock, not a moment before', async () => {
      emulator.setRateLimits({ appPointsPerHour: 2 });
      expect((await readIssue()).status).toBe(200);
      emulator.clock.set(new Date('2026-03-26T16:59:59.999Z'));
      expect(await readIssue()).toMatchObject({
        status: 429,
        headers: { 'retry-after': '1', 'x-ratelimit-reset': '2026-03-26T17:00Z' },
      });
      emulator.clock.advance(1);
      expect(await readIssue()).toMatchObject({
        status: 200,
        headers: { ratelimit: '"global-app-quota";r=0;t=3600' },
      });
    });
  });

  describe('the site quota (Tier 2, per tenant)', () => {
    it('applies per site, for the sites named, with the tenant reason', async () => {
      emulator.setRateLimits({ sitePointsPerHour: { [acme]: 4 } });
      expect(await statuses(2, () => readIssue(acme))).toEqual([200, 200]);
      expect(await readIssue(acme)).toMatchObject({
        status: 429,
        headers: {
          'ratelimit-reason': 'jira-quota-tenant-based',
          'ratelimit-policy': '"tenant-app-quota";q=4;w=3600',
        },
      });
      expect(await statuses(5, () => readIssue(globex))).toEqual([200, 200, 200, 200, 200]);
    });

    it('a single number gives every site a budget of its own', async () => {
      emulator.setRateLimits({ sitePointsPerHour: 2 });
      expect(await statuses(2, () => readIssue(acme))).toEqual([200, 429]);
      expect(await statuses(2, () => readIssue(globex))).toEqual([200, 429]);
    });

    it('with both quotas, the headers list both, and the app quota is named first when both are spent', async () => {
      emulator.setRateLimits({ appPointsPerHour: 100, sitePointsPerHour: 2 });
      expect((await readIssue()).headers).toMatchObject({
        'ratelimit-policy': '"global-app-quota";q=100;w=3600, "tenant-app-quota";q=2;w=3600',
        ratelimit: '"global-app-quota";r=98;t=2107, "tenant-app-quota";r=0;t=2107',
        'x-ratelimit-nearlimit': 'true',
      });
      expect((await readIssue()).headers['ratelimit-reason']).toBe('jira-quota-tenant-based');
      emulator.setRateLimits({ appPointsPerHour: 2, sitePointsPerHour: 2 });
      await readIssue();
      expect((await readIssue()).headers['ratelimit-reason']).toBe('jira-quota-global-based');
    });

    it('Confluence has its own pools and reasons', async () => {
      emulator.setRateLimits({ sitePointsPerHour: 1 });
      expect((await spaces()).status).toBe(200);
      expect((await spaces()).headers['ratelimit-reason']).toBe('confluence-quota-tenant-based');
      expect((await readIssue()).status).toBe(200);
    });
  });

  describe('header forms', () => {
    it("'beta' sends the trial's names: Beta- on the structured fields, X-Beta- on the others", async () => {
      emulator.setRateLimits({ appPointsPerHour: 2, headerForm: 'beta' });
      expect((await readIssue()).headers).toEqual({
        'beta-ratelimit-policy': '"global-app-quota";q=2;w=3600',
        'beta-ratelimit': '"global-app-quota";r=0;t=2107',
        'x-beta-ratelimit-nearlimit': 'true',
      });
      expect(await readIssue()).toEqual({
        status: 429,
        headers: {
          'x-beta-ratelimit-reason': 'jira-quota-global-based',
          'retry-after': '2108',
          'x-ratelimit-limit': '2',
          'x-ratelimit-remaining': '0',
          'x-beta-ratelimit-reset': '2026-03-26T17:00Z',
          'beta-ratelimit-policy': '"global-app-quota";q=2;w=3600',
          'beta-ratelimit': '"global-app-quota";r=0;t=2107',
          'x-beta-ratelimit-nearlimit': 'true',
        },
      });
    });

    it("'both' sends each quota header under both names", async () => {
      emulator.setRateLimits({ appPointsPerHour: 2, headerForm: 'both' });
      await readIssue();
      const { headers } = await readIssue();
      for (const [plain, beta] of [
        ['ratelimit-reason', 'x-beta-ratelimit-reason'],
        ['x-ratelimit-reset', 'x-beta-ratelimit-reset'],
        ['x-ratelimit-nearlimit', 'x-beta-ratelimit-nearlimit'],
        ['ratelimit', 'beta-ratelimit'],
        ['ratelimit-policy', 'beta-ratelimit-policy'],
      ] as const) {
        expect(headers[plain]).toBeDefined();
        expect(headers[beta]).toBe(headers[plain]);
      }
      expect(headers['retry-after']).toBe('2108');
    });

    it('retryAfter: false plays the gateway 429 without Retry-After; the reset is still there', async () => {
      emulator.setRateLimits({ appPointsPerHour: 0, retryAfter: false });
      const refused = await readIssue();
      expect(refused.status).toBe(429);
      expect(refused.headers['retry-after']).toBeUndefined();
      expect(refused.headers['x-ratelimit-reset']).toBe('2026-03-26T17:00Z');
    });
  });

  describe('burst limits', () => {
    const search = (cloudId: string = acme) =>
      send('GET', `/ex/jira/${cloudId}/rest/api/3/search/jql?jql=project=ACME`);

    it('allow N calls per sliding window to the endpoint named, per site, and report what is left', async () => {
      emulator.setRateLimits({
        burst: [{ endpoint: 'GET /rest/api/3/search/jql', requests: 3, windowSeconds: 1 }],
      });
      const left = [];
      for (let i = 0; i < 3; i++) {
        left.push((await search()).headers['x-ratelimit-remaining']);
        emulator.clock.advance(300);
      }
      expect(left).toEqual(['2', '1', '0']);
      expect(await search()).toEqual({
        status: 429,
        headers: {
          'ratelimit-reason': 'jira-burst-based',
          'retry-after': '1',
          'x-ratelimit-limit': '3',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '2026-03-26T16:25Z',
        },
      });
      expect((await readIssue()).status).toBe(200);
      expect((await search(globex)).status).toBe(200);
      // At +1000 ms the first call leaves the window: one more fits, then the second must leave too.
      emulator.clock.advance(100);
      expect((await search()).status).toBe(200);
      expect((await search()).status).toBe(429);
      expect(emulator.count('jira', { rateLimitReason: 'jira-burst-based' })).toBe(2);
    });

    it('without an endpoint, limit each endpoint apart; a refused call spends no points', async () => {
      emulator.setRateLimits({ appPointsPerHour: 10, burst: [{ requests: 1 }] });
      expect((await readIssue()).headers.ratelimit).toBe('"global-app-quota";r=8;t=2107');
      expect((await readIssue()).headers['ratelimit-reason']).toBe('jira-burst-based');
      expect((await search()).status).toBe(200);
      emulator.clock.advance(1000);
      expect((await readIssue()).headers.ratelimit).toBe('"global-app-quota";r=2;t=2106');
      expect((await spaces()).status).toBe(200);
      expect((await spaces()).headers['ratelimit-reason']).toBe('confluence-burst-based');
    });
  });

  describe('per-issue writes', () => {
    it('allow 20 writes to one issue per 2 seconds, whatever else is written or read', async () => {
      emulator.setRateLimits({ perIssueWrites: true });
      expect(new Set(await statuses(20, () => editIssue('ACME-1')))).toEqual(new Set([204]));
      expect(await editIssue('ACME-1')).toEqual({
        status: 429,
        headers: {
          'ratelimit-reason': 'jira-per-issue-on-write',
          'retry-after': '2',
          'x-ratelimit-limit': '20',
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset': '2026-03-26T16:25Z',
        },
      });
      // The same issue by id; comments are writes too.
      expect((await editIssue('10000')).status).toBe(429);
      expect((await send('POST', `/ex/jira/${acme}/rest/api/3/issue/ACME-1/comment`)).status).toBe(
        429,
      );
      expect((await editIssue('ACME-2')).status).toBe(204);
      expect((await readIssue()).status).toBe(200);
      emulator.clock.advance(2000);
      expect((await editIssue('ACME-1')).status).toBe(204);
    });

    it('allow 100 writes per 30 seconds: the longer window refuses once the short one is free', async () => {
      emulator.setRateLimits({ perIssueWrites: true });
      for (let burst = 0; burst < 5; burst++) {
        expect(new Set(await statuses(20, () => editIssue()))).toEqual(new Set([204]));
        emulator.clock.advance(2000);
      }
      expect(await editIssue()).toMatchObject({
        status: 429,
        headers: { 'x-ratelimit-limit': '100', 'retry-after': '20' },
      });
      emulator.clock.advance(19_999);
      expect((await editIssue()).status).toBe(429);
      emulator.clock.advance(1);
      expect((await editIssue()).status).toBe(204);
    });

    it('count every app writing the issue, and only writes that succeeded', async () => {
      emulator.setRateLimits({ perIssueWrites: [{ writes: 2, windowSeconds: 5 }] });
      const otherApp = emulator.issueTokens({ scopes: SCOPES, clientId: 'other-app' }).access_token;
      const refusedEdit = await fetch(
        `${emulator.apiBaseURL}/ex/jira/${acme}/rest/api/3/issue/ACME-1`,
        {
          method: 'PUT',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ fields: { labels: ['x'] } }),
        },
      );
      expect(refusedEdit.status).toBe(400);
      expect((await editIssue('ACME-1')).status).toBe(204);
      expect((await editIssue('ACME-1', otherApp)).status).toBe(204);
      expect(await editIssue('ACME-1', otherApp)).toMatchObject({
        status: 429,
        headers: { 'retry-after': '5', 'x-ratelimit-limit': '2' },
      });
      expect((await editIssue('ACME-404')).status).toBe(404);
    });
  });

  it('setRateLimits replaces the limits and starts afresh; undefined or {} switch them off', async () => {
    emulator.setRateLimits({ appPointsPerHour: 2 });
    expect(await statuses(2, () => readIssue())).toEqual([200, 429]);
    emulator.setRateLimits({ appPointsPerHour: 2 });
    expect(await statuses(2, () => readIssue())).toEqual([200, 429]);
    emulator.setRateLimits(undefined);
    expect(await readIssue()).toEqual({ status: 200, headers: {} });
    emulator.setRateLimits({});
    expect(await readIssue()).toEqual({ status: 200, headers: {} });
  });

  it('can be set at start', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({ now: NOW, rateLimits: { sitePointsPerHour: 2 } });
    token = emulator.issueTokens({ scopes: SCOPES }).access_token;
    expect(await statuses(2, () => readIssue())).toEqual([200, 429]);
  });

  it('refuse nonsense settings with a RangeError naming the setting', async () => {
    expect(() => emulator.setRateLimits({ appPointsPerHour: -1 })).toThrow(/appPointsPerHour/);
    expect(() => emulator.setRateLimits({ sitePointsPerHour: { [acme]: 1.5 } })).toThrow(
      new RegExp(`sitePointsPerHour\\['${acme}'\\]`),
    );
    expect(() => emulator.setRateLimits({ burst: [{ requests: 0 }] })).toThrow(
      /burst\[0\]\.requests/,
    );
    expect(() =>
      emulator.setRateLimits({ burst: [{ endpoint: 'GET /rest/api/3/nowhere', requests: 1 }] }),
    ).toThrow(/GET \/rest\/api\/3\/search\/jql/);
    expect(() =>
      emulator.setRateLimits({ perIssueWrites: [{ writes: 1, windowSeconds: 0 }] }),
    ).toThrow(RangeError);
    expect(() => emulator.setRateLimits({ headerForm: 'x-beta' as unknown as 'beta' })).toThrow(
      /headerForm/,
    );
    await expect(
      AtlassianEmulator.start({ rateLimits: { appPointsPerHour: Number.NaN } }),
    ).rejects.toThrow(RangeError);
  });
});
