import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID, DEFAULT_EMULATOR_CLOUD_IDS } from '../emulator-defaults.js';

const { acme, globex, initech } = DEFAULT_EMULATOR_CLOUD_IDS;

describe('api.atlassian.com identity routes', () => {
  let emulator: AtlassianEmulator;
  const get = async (path: string, token?: string) => {
    const response = await fetch(`${emulator.apiBaseURL}${path}`, {
      headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    });
    // Bodies are asserted field by field; a loose type keeps the assertions readable.
    return { status: response.status, body: (await response.json()) as any };
  };
  const tokenWith = (...scopes: string[]) => emulator.issueTokens({ scopes }).access_token;

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start();
  });
  afterEach(() => emulator.stop());

  it('GET /me answers the profile of the token owner', async () => {
    expect(await get('/me', tokenWith('read:me'))).toEqual({
      status: 200,
      body: {
        account_id: DEFAULT_EMULATOR_ACCOUNT_ID,
        account_type: 'atlassian',
        email: 'ada@example.com',
        name: 'Ada Lovelace',
        picture: expect.stringMatching(/^https:\/\//),
        account_status: 'active',
        nickname: 'Ada',
        zoneinfo: 'Europe/London',
        locale: 'en-GB',
        extended_profile: {
          job_title: 'Analyst',
          organization: 'Analytical Engine Ltd',
          department: 'Mathematics',
          location: 'London',
        },
        last_updated: '2026-01-05T09:00:00.000Z',
      },
    });
  });

  it('GET /me answers the profile fields a user was given, and defaults for the others', async () => {
    emulator.addUser({
      accountId: 'u-3',
      name: 'Grace Brewster Hopper',
      accountStatus: 'inactive',
      accountType: 'customer',
      nickname: 'amazing-grace',
      zoneinfo: 'America/New_York',
      locale: 'en-US',
      extendedProfile: { job_title: 'Rear Admiral', location: 'Arlington' },
      lastUpdated: '2026-03-01T12:00:00.000Z',
    });
    emulator.addUser({ accountId: 'u-4', name: 'Alan Turing' });
    const meOf = async (accountId: string) =>
      (await get('/me', emulator.issueTokens({ accountId, scopes: ['read:me'] }).access_token))
        .body;
    expect(await meOf('u-3')).toMatchObject({
      account_status: 'inactive',
      account_type: 'customer',
      nickname: 'amazing-grace',
      zoneinfo: 'America/New_York',
      locale: 'en-US',
      extended_profile: { job_title: 'Rear Admiral', location: 'Arlington' },
      last_updated: '2026-03-01T12:00:00.000Z',
    });
    expect(await meOf('u-4')).toMatchObject({
      account_status: 'active',
      account_type: 'atlassian',
      nickname: 'Alan',
      zoneinfo: 'Europe/London',
      locale: 'en-GB',
      extended_profile: {},
      last_updated: '2026-01-05T09:00:00.000Z',
    });
  });

  it('GET /me includes email_verified only when the user says so', async () => {
    emulator.addUser({ accountId: 'u-2', name: 'Grace Hopper', emailVerified: false });
    const token = emulator.issueTokens({ accountId: 'u-2', scopes: ['read:me'] }).access_token;
    expect((await get('/me', token)).body).toMatchObject({
      account_id: 'u-2',
      email: 'u-2@example.com',
      email_verified: false,
    });
  });

  it.each([
    ['no token', undefined, 'Unauthorized'],
    ['an unknown token', 'garbage', 'Unauthorized'],
  ])('GET /me answers 401 to %s', async (_name, token, message) => {
    expect(await get('/me', token)).toEqual({ status: 401, body: { code: 401, message } });
  });

  it('GET /me without read:me answers 401 scope does not match', async () => {
    expect(await get('/me', tokenWith('read:jira-work'))).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
  });

  it('lists the sites sharing a granted scope, with the intersection of scopes', async () => {
    const { status, body } = await get(
      '/oauth/token/accessible-resources',
      tokenWith('read:me', 'read:jira-work', 'read:confluence-space.summary'),
    );
    expect(status).toBe(200);
    const byId = Object.fromEntries(body.map((site: { id: string }) => [site.id, site]));
    expect(Object.keys(byId).sort()).toEqual([acme, globex, initech].sort());
    expect(byId[acme]).toEqual({
      id: acme,
      name: 'acme',
      url: 'https://acme.atlassian.net',
      scopes: ['read:jira-work', 'read:confluence-space.summary'],
      avatarUrl: expect.any(String),
    });
    expect(byId[initech].scopes).toEqual(['read:jira-work']);
  });

  it('leaves out sites without any granted scope', async () => {
    const { body } = await get(
      '/oauth/token/accessible-resources',
      tokenWith('read:confluence-space.summary'),
    );
    expect(body.map((site: { id: string }) => site.id).sort()).toEqual([acme, globex].sort());
  });

  it('answers in no stable order', async () => {
    const token = tokenWith('read:jira-work');
    const first = (await get('/oauth/token/accessible-resources', token)).body.map(
      (s: { id: string }) => s.id,
    );
    const second = (await get('/oauth/token/accessible-resources', token)).body.map(
      (s: { id: string }) => s.id,
    );
    expect(second).not.toEqual(first);
    expect([...second].sort()).toEqual([...first].sort());
  });

  it('follows setSites(): a site can disappear', async () => {
    const token = tokenWith('read:jira-work');
    emulator.setSites(DEFAULT_EMULATOR_ACCOUNT_ID, [
      { id: acme, name: 'acme', url: 'https://acme.atlassian.net' },
    ]);
    const { body } = await get('/oauth/token/accessible-resources', token);
    expect(body.map((s: { id: string }) => s.id)).toEqual([acme]);
  });

  it('needs a live token', async () => {
    expect((await get('/oauth/token/accessible-resources')).status).toBe(401);
  });
});
