import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from '../emulator-defaults.js';

type Page = {
  values: Array<Record<string, unknown>>;
  page: number;
  pagelen: number;
  size: number;
  next?: string;
  previous?: string;
};

const MANY_EMAILS = Array.from({ length: 23 }, (_, i) => ({
  email: `m${i}@example.com`,
  is_primary: i === 0,
  is_confirmed: i < 3,
}));
const REPOS = Array.from({ length: 12 }, (_, i) => ({ name: `Repo ${i}` }));

describe('api.bitbucket.org', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const get = async (path: string, bearer: string | null = token) => {
    const url = path.startsWith('http') ? path : `${emulator.bitbucketApiBaseURL}${path}`;
    const response = await fetch(url, {
      headers: bearer ? { authorization: `Bearer ${bearer}` } : {},
    });
    return {
      status: response.status,
      body: (await response.json()) as Record<string, unknown> & Page,
    };
  };
  const tokenFor = (accountId: string) => emulator.issueBitbucketTokens({ accountId }).access_token;

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start();
    token = emulator.issueBitbucketTokens().access_token;
  });
  afterEach(() => emulator.stop());

  it('GET /2.0/user: the profile, with the Atlassian account id of /me and no email', async () => {
    const { status, body } = await get('/2.0/user');
    expect(status).toBe(200);
    expect(body).toMatchObject({
      account_id: DEFAULT_EMULATOR_ACCOUNT_ID,
      username: 'ada-lovelace',
      display_name: 'Ada Lovelace',
      nickname: 'Ada',
      account_status: 'active',
      created_on: expect.any(String),
      has_2fa_enabled: null,
      is_staff: false,
      location: 'London',
      type: 'user',
      links: {
        self: { href: expect.stringMatching(/^https:\/\/api\.bitbucket\.org\/2\.0\/users\//) },
        avatar: { href: expect.stringMatching(/^https:/) },
        html: { href: expect.stringMatching(/^https:\/\/bitbucket\.org\//) },
      },
    });
    expect(body.uuid).toMatch(
      /^\{[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\}$/,
    );
    expect(body).not.toHaveProperty('email');
    const me = await fetch(`${emulator.apiBaseURL}/me`, {
      headers: {
        authorization: `Bearer ${emulator.issueTokens({ scopes: ['read:me'] }).access_token}`,
      },
    });
    expect(((await me.json()) as { account_id: string }).account_id).toBe(body.account_id);
  });

  it("GET /2.0/user: the fields a user was given; account_status and nickname are the Atlassian account's", async () => {
    emulator.addUser({
      accountId: 'u-5',
      name: 'Grace Hopper',
      accountStatus: 'inactive',
      nickname: 'amazing-grace',
      bitbucket: { location: 'Arlington', has2faEnabled: true, isStaff: true },
    });
    const response = await fetch(`${emulator.bitbucketApiBaseURL}/2.0/user`, {
      headers: { authorization: `Bearer ${tokenFor('u-5')}` },
    });
    expect(await response.json()).toMatchObject({
      account_id: 'u-5',
      account_status: 'inactive',
      nickname: 'amazing-grace',
      location: 'Arlington',
      has_2fa_enabled: true,
      is_staff: true,
    });
  });

  it('GET /2.0/user/emails: by default a confirmed primary and an unconfirmed secondary', async () => {
    expect((await get('/2.0/user/emails')).body).toEqual({
      pagelen: 10,
      size: 2,
      page: 1,
      values: [
        { type: 'email', email: 'ada@example.com', is_primary: true, is_confirmed: true },
        {
          type: 'email',
          email: 'ada-lovelace.alt@example.com',
          is_primary: false,
          is_confirmed: false,
        },
      ],
    });
  });

  it('pages emails by pagelen (default 10) with an absolute `next` that can be followed', async () => {
    emulator.addUser({ accountId: 'many', name: 'Many Mails', bitbucket: { emails: MANY_EMAILS } });
    token = tokenFor('many');
    const first = (await get('/2.0/user/emails')).body;
    expect(first).toMatchObject({
      page: 1,
      pagelen: 10,
      size: 23,
      next: `${emulator.url}/2.0/user/emails?page=2`,
    });
    expect(first.values).toHaveLength(10);
    const third = (await get((await get(first.next!)).body.next!)).body;
    expect(third).toMatchObject({
      page: 3,
      size: 23,
      previous: `${emulator.url}/2.0/user/emails?page=2`,
    });
    expect(third.values.map((v) => v.email)).toEqual([
      'm20@example.com',
      'm21@example.com',
      'm22@example.com',
    ]);
    expect(third).not.toHaveProperty('next');
    const bigPage = (await get('/2.0/user/emails?pagelen=20')).body;
    expect(bigPage).toMatchObject({
      pagelen: 20,
      next: `${emulator.url}/2.0/user/emails?pagelen=20&page=2`,
    });
    expect((await get('/2.0/user/emails?pagelen=0')).status).toBe(400);
    expect((await get('/2.0/user/emails?pagelen=101')).status).toBe(400);
  });

  it('serves users with no email, or an unconfirmed primary, as given', async () => {
    emulator.addUser({ accountId: 'none', name: 'No Mail', bitbucket: { emails: [] } });
    expect((await get('/2.0/user/emails', tokenFor('none'))).body).toMatchObject({
      size: 0,
      values: [],
    });
    const unconfirmed = [{ email: 'u@example.com', is_primary: true, is_confirmed: false }];
    emulator.addUser({ accountId: 'unconfirmed', name: 'U', bitbucket: { emails: unconfirmed } });
    expect((await get('/2.0/user/emails', tokenFor('unconfirmed'))).body.values).toEqual([
      { type: 'email', ...unconfirmed[0] },
    ]);
  });

  it('answers 403 with required and granted scopes when the consumer lacks one', async () => {
    emulator.registerBitbucketConsumer({
      key: 'narrow',
      secret: 's',
      callbackURL: 'http://localhost/cb',
      scopes: ['account'],
    });
    const narrow = emulator.issueBitbucketTokens({ consumerKey: 'narrow' }).access_token;
    expect(await get('/2.0/user/emails', narrow)).toEqual({
      status: 403,
      body: {
        type: 'error',
        error: {
          message: 'Your credentials lack one or more required privilege scopes.',
          detail: { required: ['email'], granted: ['account'] },
        },
      },
    });
    expect((await get('/2.0/repositories/ada-lovelace', narrow)).body.error).toMatchObject({
      detail: { required: ['repository'] },
    });
    expect((await get('/2.0/user', narrow)).status).toBe(200);
  });

  it('GET /2.0/repositories/{workspace}: the default workspace, then a paginated one', async () => {
    expect((await get('/2.0/repositories/ada-lovelace')).body).toMatchObject({
      size: 2,
      values: [
        {
          name: 'website',
          slug: 'website',
          full_name: 'ada-lovelace/website',
          is_private: false,
          links: { html: { href: 'https://bitbucket.org/ada-lovelace/website' } },
        },
        { name: 'notes', full_name: 'ada-lovelace/notes', is_private: true },
      ],
    });
    emulator.addUser({
      accountId: 'dev',
      name: 'Dev',
      bitbucket: { workspaces: [{ slug: 'acme', repositories: REPOS }] },
    });
    token = tokenFor('dev');
    const first = (await get('/2.0/repositories/acme?pagelen=5')).body;
    expect(first).toMatchObject({
      page: 1,
      pagelen: 5,
      size: 12,
      next: `${emulator.url}/2.0/repositories/acme?pagelen=5&page=2`,
    });
    expect(first.values[0]).toMatchObject({
      slug: 'repo-0',
      full_name: 'acme/repo-0',
      uuid: expect.stringMatching(/^\{.+\}$/),
    });
    expect((await get('/2.0/repositories/acme?page=3&pagelen=5')).body.values).toHaveLength(2);
    expect(await get('/2.0/repositories/ada-lovelace')).toMatchObject({
      status: 404,
      body: { type: 'error' },
    });
    expect(emulator.count('bitbucket-repositories')).toBe(4);
  });

  it('accepts access tokens only as Authorization: Bearer', async () => {
    const inQuery = await get(`/2.0/user?access_token=${encodeURIComponent(token)}`, null);
    expect(inQuery).toMatchObject({ status: 401, body: { type: 'error' } });
    expect((await get(`/2.0/user?access_token=${encodeURIComponent(token)}`)).status).toBe(401);
    expect(await get('/2.0/user', null)).toMatchObject({ status: 401, body: { type: 'error' } });
    expect(emulator.count('bitbucket-user', { status: 401 })).toBe(3);
  });

  it('says "Access token expired." after 7200 s and "Invalid token" for unknown, revoked or Atlassian tokens', async () => {
    emulator.clock.advance(7200 * 1000);
    expect(await get('/2.0/user')).toEqual({
      status: 401,
      body: { type: 'error', error: { message: 'Access token expired.' } },
    });
    const invalid = { status: 401, body: { type: 'error', error: { message: 'Invalid token' } } };
    expect(await get('/2.0/user', 'nonsense')).toEqual(invalid);
    expect(
      await get('/2.0/user', emulator.issueTokens({ scopes: ['read:me'] }).access_token),
    ).toEqual(invalid);
    const live = emulator.issueBitbucketTokens().access_token;
    emulator.revokeBitbucketGrant(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(await get('/2.0/user', live)).toEqual(invalid);
  });
});
