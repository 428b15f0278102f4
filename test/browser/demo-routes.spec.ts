import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_BITBUCKET_CONSUMER,
  DEFAULT_EMULATOR_CLOUD_IDS,
} from '../../src/testing/index.js';
import type { MeResponse } from '../../example/api.controller.js';
import type { RepositorySummary } from '../../example/bitbucket-repositories.js';
import { readDemoConfig } from '../../example/demo-config.js';
import { SESSION_COOKIE } from '../../example/session/demo-session.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase } from '../support/databases.js';
import { startDemoUnderTest, type DemoUnderTest } from './demo-app.js';

/** Login route, consent (as the emulator's signed-in user), callback: what a browser does. */
async function signIn({ demo }: DemoUnderTest, browser: BrowserSession): Promise<Response> {
  const login = await browser.request(`${demo.url}/auth/atlassian`);
  expect(login.status).toBe(302);
  return browser.request(await demo.emulator!.approve(login.headers.get('location')!));
}

/** The same with Bitbucket: the built-in emulator plays bitbucket.org too. */
async function connectBitbucket(
  { demo }: DemoUnderTest,
  browser: BrowserSession,
): Promise<Response> {
  const login = await browser.request(`${demo.url}/auth/bitbucket`);
  expect(login.status).toBe(302);
  return browser.request(await demo.emulator!.approve(login.headers.get('location')!));
}

/** Every site of the emulator's default user, as the site-choice error lists them. */
const SITES = [
  { cloudId: DEFAULT_EMULATOR_CLOUD_IDS.acme, name: 'acme', url: 'https://acme.atlassian.net' },
  {
    cloudId: DEFAULT_EMULATOR_CLOUD_IDS.globex,
    name: 'globex',
    url: 'https://globex.atlassian.net',
  },
  {
    cloudId: DEFAULT_EMULATOR_CLOUD_IDS.initech,
    name: 'initech',
    url: 'https://initech.atlassian.net',
  },
];
const byCloudId = (a: { cloudId: string }, b: { cloudId: string }) =>
  a.cloudId.localeCompare(b.cloudId);

describe('demo app routes over HTTP', () => {
  let running: DemoUnderTest;
  let url: string;
  const session = new BrowserSession();

  beforeAll(async () => {
    running = await startDemoUnderTest();
    url = running.demo.url;
  });
  afterAll(() => running?.close());

  it('answers 401 JSON on the API before sign-in', async () => {
    for (const path of [
      '/api/me',
      `/api/jira/myself?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.acme}`,
      '/api/confluence/spaces',
      '/api/bitbucket/repositories',
    ]) {
      const response = await session.request(`${url}${path}`);
      expect(response.status).toBe(401);
      expect(await response.json()).toMatchObject({ statusCode: 401 });
    }
  });

  it('signs in through the emulator: the callback sets the signed, httpOnly session cookie and redirects home', async () => {
    const callback = await signIn(running, session);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    const cookie = callback.headers.getSetCookie().find((c) => c.startsWith(`${SESSION_COOKIE}=`));
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
    expect(cookie).toMatch(/Path=\//);
  });

  it('answers /api/me with the user, the linked account and its sites, never a token', async () => {
    const response = await session.request(`${url}/api/me`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as MeResponse;
    expect(body.userId).toEqual(expect.any(String));
    expect(body.accounts).toHaveLength(1);
    expect(body.accounts[0]).toMatchObject({
      userId: body.userId,
      displayName: 'Ada Lovelace',
      email: 'ada@example.com',
      status: 'active',
    });
    expect(body.sites.map((site) => site.cloudId).sort()).toEqual(
      Object.values(DEFAULT_EMULATOR_CLOUD_IDS).sort(),
    );
    expect(body.sites.every((site) => site.accountId === body.accounts[0].id)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/token"\s*:/i);
  });

  it("answers /api/jira/myself with Jira's user and /api/jira/projects with the site's projects", async () => {
    const myself = await session.request(
      `${url}/api/jira/myself?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.acme}`,
    );
    expect(myself.status).toBe(200);
    expect(await myself.json()).toMatchObject({ displayName: 'Ada Lovelace' });
    const projects = await session.request(
      `${url}/api/jira/projects?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.globex}`,
    );
    expect(projects.status).toBe(200);
    expect(((await projects.json()) as Array<{ key: string }>).map((p) => p.key)).toEqual([
      'GLX',
      'SUP',
    ]);
  });

  it("answers /api/jira/myself without a cloudId with the library's site-choice error: 400 JSON naming every site's cloudId and URL", async () => {
    const response = await session.request(`${url}/api/jira/myself`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as {
      statusCode: number;
      code: string;
      message: string;
      sites: typeof SITES;
    };
    expect(body).toMatchObject({ statusCode: 400, code: 'atlassian_site_required' });
    expect([...body.sites].sort(byCloudId)).toEqual([...SITES].sort(byCloudId));
    for (const site of SITES) expect(body.message).toContain(site.cloudId);
  });

  it("answers 404 atlassian_site_not_found, listing the sites, for a cloudId that is not one of the user's", async () => {
    const response = await session.request(
      `${url}/api/jira/myself?cloudId=00000000-0000-4000-8000-000000000000`,
    );
    expect(response.status).toBe(404);
    const body = (await response.json()) as { code: string; sites: typeof SITES };
    expect(body.code).toBe('atlassian_site_not_found');
    expect(body.sites.map((site) => site.cloudId).sort()).toEqual(
      SITES.map((site) => site.cloudId).sort(),
    );
  });

  it("answers /api/confluence/spaces with the site's spaces (Confluence v2), and the site choice among the Confluence sites only", async () => {
    const spaces = await session.request(
      `${url}/api/confluence/spaces?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.acme}`,
    );
    expect(spaces.status).toBe(200);
    expect(
      ((await spaces.json()) as Array<{ key: string; name: string }>).map((space) => [
        space.key,
        space.name,
      ]),
    ).toEqual([
      ['ENG', 'Engineering'],
      ['HR', 'People'],
    ]);
    expect(
      running.demo.emulator!.calls.filter((call) => call.route === 'confluence').at(-1)!.path,
    ).toBe(`/ex/confluence/${DEFAULT_EMULATOR_CLOUD_IDS.acme}/wiki/api/v2/spaces`);

    const choice = await session.request(`${url}/api/confluence/spaces`);
    expect(choice.status).toBe(400);
    const body = (await choice.json()) as { code: string; sites: typeof SITES };
    expect(body.code).toBe('atlassian_site_required');
    expect([...body.sites].sort(byCloudId)).toEqual(
      SITES.filter((site) => site.name !== 'initech').sort(byCloudId),
    );

    const jiraOnly = await session.request(
      `${url}/api/confluence/spaces?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.initech}`,
    );
    expect(jiraOnly.status).toBe(404);
    expect(await jiraOnly.json()).toMatchObject({ code: 'atlassian_site_not_found' });
  });

  it('shows Confluence spaces on the home page for the sites with Confluence scopes', async () => {
    const html = await (await session.request(`${url}/`)).text();
    expect(html).toContain('<code>ENG</code> Engineering');
    expect(html).toContain('<code>DOCS</code> Documentation');
  });

  it('shows a failing Jira site as a message on the home page, not a 500', async () => {
    const failing = DEFAULT_EMULATOR_CLOUD_IDS.initech;
    running.demo.emulator!.inject({
      route: 'jira',
      status: 503,
      times: Infinity,
      match: { path: `/ex/jira/${failing}/rest/api/3/project/search` },
    });
    try {
      const response = await session.request(`${url}/`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toMatch(
        new RegExp(`GET jira \\(site ${failing}\\) \\S*/rest/api/3/project/search failed with 503`),
      );
      expect(html).toContain('Acme Platform');
    } finally {
      running.demo.emulator!.clearFaults();
    }
  });

  it('answers 404 account_not_linked on /api/bitbucket/repositories before Bitbucket is connected', async () => {
    const response = await session.request(`${url}/api/bitbucket/repositories`);
    expect(response.status).toBe(404);
    expect(await response.json()).toMatchObject({ statusCode: 404, code: 'account_not_linked' });
  });

  it('connects Bitbucket for the signed-in user: the emulator plays bitbucket.org, no PKCE, and the account joins the same person', async () => {
    const { userId } = (await (await session.request(`${url}/api/me`)).json()) as MeResponse;
    const login = await session.request(`${url}/auth/bitbucket`);
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.origin + authorize.pathname).toBe(
      `${running.demo.emulator!.bitbucketAuthBaseURL}/site/oauth2/authorize`,
    );
    expect(Object.fromEntries(authorize.searchParams)).toEqual({
      response_type: 'code',
      client_id: DEFAULT_EMULATOR_BITBUCKET_CONSUMER.key,
      redirect_uri: `${url}/auth/bitbucket/callback`,
      state: expect.any(String),
    });

    const callback = await session.request(
      await running.demo.emulator!.approve(authorize.toString()),
    );
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/');
    const me = (await (await session.request(`${url}/api/me`)).json()) as MeResponse;
    expect(me.userId).toBe(userId);
    expect(
      me.accounts
        .map((account) => [account.provider, account.providerAccountId, account.userId])
        .sort(),
    ).toEqual([
      ['atlassian', DEFAULT_EMULATOR_ACCOUNT_ID, userId],
      ['bitbucket', DEFAULT_EMULATOR_ACCOUNT_ID, userId],
    ]);
    expect(
      running.demo.emulator!.count('bitbucket-token', {
        grantType: 'authorization_code',
        clientAuth: 'basic',
        status: 200,
      }),
    ).toBe(1);
  });

  it("answers /api/bitbucket/repositories with the user's repositories, through BitbucketApiClient", async () => {
    const response = await session.request(`${url}/api/bitbucket/repositories`);
    expect(response.status).toBe(200);
    const repositories = (await response.json()) as RepositorySummary[];
    expect(
      repositories.map(({ name, fullName, isPrivate }) => ({ name, fullName, isPrivate })),
    ).toEqual([
      { name: 'website', fullName: 'ada-lovelace/website', isPrivate: false },
      { name: 'notes', fullName: 'ada-lovelace/notes', isPrivate: true },
    ]);
    expect(JSON.stringify(repositories)).not.toMatch(/token/i);
  });

  it('shows both accounts of the person under one Atlassian account id on the home page, with the repositories', async () => {
    const html = await (await session.request(`${url}/`)).text();
    expect(html.match(/class="card identity"/g)).toHaveLength(1);
    expect(html).toContain(`data-atlassian-account-id="${DEFAULT_EMULATOR_ACCOUNT_ID}"`);
    expect(html).toContain('data-provider="atlassian"');
    expect(html).toContain('data-provider="bitbucket"');
    expect(html).toContain('ada-lovelace/website');
    expect(html).toContain('id="connect-bitbucket"');
  });

  it("signs a Bitbucket-only visitor in as the app user who owns the same person's Atlassian account", async () => {
    const { userId } = (await (await session.request(`${url}/api/me`)).json()) as MeResponse;
    const stranger = new BrowserSession();
    const callback = await connectBitbucket(running, stranger);
    expect(callback.status).toBe(302);
    const me = (await (await stranger.request(`${url}/api/me`)).json()) as MeResponse;
    expect(me.userId).toBe(userId);
    expect(me.accounts).toHaveLength(2);
  });

  it("keeps the library's JSON errors on the Bitbucket routes", async () => {
    const response = await new BrowserSession().request(`${url}/auth/bitbucket/callback`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'oauth_missing_code' });
  });

  it("keeps the library's JSON errors on the guarded routes", async () => {
    const response = await new BrowserSession().request(`${url}/auth/atlassian/callback`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'oauth_missing_code' });
  });

  it('refuses a tampered session cookie', async () => {
    const forged = new BrowserSession();
    const [payload, signature] = session.cookie(SESSION_COOKIE)!.split('.');
    const other = Buffer.from(JSON.stringify({ sub: 'someone-else', exp: 4102444800 })).toString(
      'base64url',
    );
    forged.setCookie(SESSION_COOKIE, `${other}.${signature}`);
    expect((await forged.request(`${url}/api/me`)).status).toBe(401);
    forged.setCookie(
      SESSION_COOKIE,
      `${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`,
    );
    expect((await forged.request(`${url}/api/me`)).status).toBe(401);
  });

  it('serves the same signed-in user from a second demo process on the same database and SESSION_SECRET', async () => {
    const second = await startDemoUnderTest({
      SQLITE_PATH: running.sqlitePath,
      SESSION_SECRET: running.sessionSecret,
    });
    try {
      const other = new BrowserSession();
      other.setCookie(SESSION_COOKIE, session.cookie(SESSION_COOKIE)!);
      const [here, there] = await Promise.all([
        session.request(`${url}/api/me`),
        other.request(`${second.demo.url}/api/me`),
      ]);
      expect(there.status).toBe(200);
      expect(await there.json()).toEqual(await here.json());
    } finally {
      await second.close();
    }
  });

  it('signs out with POST /logout: the cookie is cleared and the API answers 401 again', async () => {
    const response = await session.request(`${url}/logout`, { method: 'POST' });
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/');
    expect(session.cookie(SESSION_COOKIE)).toBeUndefined();
    expect((await session.request(`${url}/api/me`)).status).toBe(401);
  });
});

describe('demo app on PostgreSQL (DATABASE_URL)', () => {
  it('runs the migrations, stores the sign-in and serves /api/me', async () => {
    const database = await createTestDatabase('postgres');
    const running = await startDemoUnderTest({ DATABASE_URL: database.location });
    try {
      expect(running.demo.dataSource.options.type).toBe('postgres');
      const browser = new BrowserSession();
      expect((await signIn(running, browser)).status).toBe(302);
      const me = await browser.request(`${running.demo.url}/api/me`);
      expect(me.status).toBe(200);
      expect(((await me.json()) as MeResponse).accounts).toMatchObject([
        { displayName: 'Ada Lovelace' },
      ]);
      expect(
        await running.demo.dataSource.query(
          'SELECT count(*)::int AS n FROM atlassian_linked_accounts',
        ),
      ).toEqual([{ n: 1 }]);
    } finally {
      await running.close();
    }
  });
});

describe('demo Bitbucket settings', () => {
  it("needs BITBUCKET_CLIENT_SECRET with BITBUCKET_CLIENT_ID, and a BITBUCKET_CALLBACK_URL on the demo's route", () => {
    expect(() => readDemoConfig({ BITBUCKET_CLIENT_ID: 'key' })).toThrow(
      /BITBUCKET_CLIENT_SECRET is missing/,
    );
    expect(() =>
      readDemoConfig({ BITBUCKET_CALLBACK_URL: 'http://localhost:3000/callback' }),
    ).toThrow(/BITBUCKET_CALLBACK_URL must end with \/auth\/bitbucket\/callback/);
    expect(() => readDemoConfig({ BITBUCKET_CALLBACK_URL: 'not a url' })).toThrow(
      /BITBUCKET_CALLBACK_URL must be an absolute URL/,
    );
  });

  it('refuses a Bitbucket callback on another origin than the Atlassian one (the sign-in cookie would not reach it)', async () => {
    await expect(
      startDemoUnderTest({ BITBUCKET_CALLBACK_URL: 'http://127.0.0.1:1/auth/bitbucket/callback' }),
    ).rejects.toThrow(/same origin/);
  });

  it('leaves Bitbucket out with a real Atlassian app and no BITBUCKET_CLIENT_ID', async () => {
    const running = await startDemoUnderTest({
      ATLASSIAN_CLIENT_ID: 'real-app',
      ATLASSIAN_CLIENT_SECRET: 'real-secret',
    });
    try {
      expect(running.demo.emulator).toBeUndefined();
      expect(running.demo.settings.bitbucket).toBeUndefined();
      expect(
        (await fetch(`${running.demo.url}/auth/bitbucket`, { redirect: 'manual' })).status,
      ).toBe(404);
      const html = await (await fetch(`${running.demo.url}/`)).text();
      expect(html).not.toContain('Connect Bitbucket');
      expect(html).toContain('Bitbucket: not configured');
    } finally {
      await running.close();
    }
  });

  it('uses a real consumer when BITBUCKET_CLIENT_ID is set: its key, its callback URL and BITBUCKET_AUTH_BASE_URL', async () => {
    const running = await startDemoUnderTest({
      ATLASSIAN_CLIENT_ID: 'real-app',
      ATLASSIAN_CLIENT_SECRET: 'real-secret',
      BITBUCKET_CLIENT_ID: 'my-consumer-key',
      BITBUCKET_CLIENT_SECRET: 'my-consumer-secret',
      BITBUCKET_AUTH_BASE_URL: 'https://bitbucket.example.test',
      BITBUCKET_API_BASE_URL: 'https://api.bitbucket.example.test',
    });
    try {
      const { bitbucket } = running.demo.settings;
      expect(bitbucket).toEqual({
        clientId: 'my-consumer-key',
        clientSecret: 'my-consumer-secret',
        callbackURL: `${running.demo.url}/auth/bitbucket/callback`,
        authBaseURL: 'https://bitbucket.example.test',
        apiBaseURL: 'https://api.bitbucket.example.test',
        emulator: false,
      });
      const login = await fetch(`${running.demo.url}/auth/bitbucket`, { redirect: 'manual' });
      expect(login.status).toBe(302);
      const authorize = new URL(login.headers.get('location')!);
      expect(authorize.origin + authorize.pathname).toBe(
        'https://bitbucket.example.test/site/oauth2/authorize',
      );
      expect(authorize.searchParams.get('client_id')).toBe('my-consumer-key');
      expect(authorize.searchParams.get('redirect_uri')).toBe(
        `${running.demo.url}/auth/bitbucket/callback`,
      );
    } finally {
      await running.close();
    }
  });
});
