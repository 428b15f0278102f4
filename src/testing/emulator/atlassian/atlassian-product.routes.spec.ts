import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID, DEFAULT_EMULATOR_CLOUD_IDS } from '../emulator-defaults.js';

const { acme, initech } = DEFAULT_EMULATOR_CLOUD_IDS;
const SCOPE_MISMATCH = { code: 401, message: 'Unauthorized; scope does not match' };

describe('Jira and Confluence routes under /ex', () => {
  let emulator: AtlassianEmulator;
  const get = async (path: string, token: string) => {
    const response = await fetch(`${emulator.apiBaseURL}${path}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    // Bodies are asserted field by field; a loose type keeps the assertions readable.
    return { status: response.status, body: (await response.json()) as any };
  };
  const tokenWith = (...scopes: string[]) => emulator.issueTokens({ scopes }).access_token;

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start();
  });
  afterEach(() => emulator.stop());

  it('GET myself answers the user, with read:jira-user', async () => {
    expect(await get(`/ex/jira/${acme}/rest/api/3/myself`, tokenWith('read:jira-user'))).toEqual({
      status: 200,
      body: {
        accountId: DEFAULT_EMULATOR_ACCOUNT_ID,
        accountType: 'atlassian',
        emailAddress: 'ada@example.com',
        displayName: 'Ada Lovelace',
        active: true,
        timeZone: 'Europe/London',
      },
    });
  });

  it('GET project/search pages with startAt and maxResults', async () => {
    const token = tokenWith('read:jira-work');
    expect(
      await get(`/ex/jira/${acme}/rest/api/3/project/search?startAt=1&maxResults=1`, token),
    ).toEqual({
      status: 200,
      body: {
        startAt: 1,
        maxResults: 1,
        total: 3,
        isLast: false,
        values: [{ id: '10001', key: 'OPS', name: 'Operations' }],
      },
    });
    const all = await get(`/ex/jira/${acme}/rest/api/3/project/search`, token);
    expect(all.body).toMatchObject({ startAt: 0, maxResults: 50, total: 3, isLast: true });
    expect(all.body.values.map((p: { key: string }) => p.key)).toEqual(['ACME', 'OPS', 'WEB']);
  });

  it('GET project answers an array', async () => {
    const { status, body } = await get(
      `/ex/jira/${initech}/rest/api/3/project`,
      tokenWith('read:jira-work'),
    );
    expect(status).toBe(200);
    expect(body).toEqual([
      { id: '10200', key: 'TPS', name: 'TPS Reports' },
      { id: '10201', key: 'INI', name: 'Initech IT' },
    ]);
  });

  it('answers 401 scope does not match without a Jira scope', async () => {
    expect(await get(`/ex/jira/${acme}/rest/api/3/project`, tokenWith('read:me'))).toEqual({
      status: 401,
      body: SCOPE_MISMATCH,
    });
    expect(
      (await get(`/ex/jira/${acme}/rest/api/3/project`, tokenWith('read:jira-user'))).status,
    ).toBe(401);
  });

  it('answers 404 for an unknown site, and for a site that disappeared', async () => {
    const token = tokenWith('read:jira-work');
    const unknown = await get(
      '/ex/jira/00000000-0000-4000-8000-000000000000/rest/api/3/project',
      token,
    );
    expect(unknown).toEqual({ status: 404, body: { errorMessages: ['Site not found'] } });
    emulator.setSites(DEFAULT_EMULATOR_ACCOUNT_ID, []);
    expect((await get(`/ex/jira/${acme}/rest/api/3/project`, token)).status).toBe(404);
  });

  it('answers 401 to a missing token before looking at the site', async () => {
    const response = await fetch(`${emulator.apiBaseURL}/ex/jira/${acme}/rest/api/3/myself`);
    expect(response.status).toBe(401);
    expect(emulator.count('jira', { status: 401 })).toBe(1);
  });

  it('GET Confluence v2 spaces, paged by cursor', async () => {
    const token = tokenWith('read:confluence-space.summary');
    const first = await get(`/ex/confluence/${acme}/wiki/api/v2/spaces?limit=1`, token);
    expect(first.status).toBe(200);
    expect(first.body.results).toEqual([
      { id: '65537', key: 'ENG', name: 'Engineering', type: 'global' },
    ]);
    expect(first.body._links.next).toMatch(/^\/wiki\/api\/v2\/spaces\?cursor=.+&limit=1$/);
    const second = await get(`/ex/confluence/${acme}${first.body._links.next}`, token);
    expect(second.body).toEqual({
      results: [{ id: '65538', key: 'HR', name: 'People', type: 'global' }],
      _links: {},
    });
  });

  it('accepts the granular read:space:confluence scope', async () => {
    expect(
      (await get(`/ex/confluence/${acme}/wiki/api/v2/spaces`, tokenWith('read:space:confluence')))
        .status,
    ).toBe(200);
  });

  it('Confluence needs a Confluence scope and a Confluence site', async () => {
    expect(
      await get(`/ex/confluence/${acme}/wiki/api/v2/spaces`, tokenWith('read:jira-work')),
    ).toEqual({
      status: 401,
      body: SCOPE_MISMATCH,
    });
    const onJiraOnlySite = await get(
      `/ex/confluence/${initech}/wiki/api/v2/spaces`,
      tokenWith('read:confluence-space.summary'),
    );
    expect(onJiraOnlySite.status).toBe(404);
  });

  it('answers 404 JSON to other paths, counted under their product', async () => {
    const response = await get(
      `/ex/jira/${acme}/rest/api/3/dashboard`,
      tokenWith('read:jira-work'),
    );
    expect(response.status).toBe(404);
    expect(emulator.count('jira', { status: 404 })).toBe(1);
  });
});
