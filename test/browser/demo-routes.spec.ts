import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import type { MeResponse } from '../../example/api.controller.js';
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
    for (const path of ['/api/me', `/api/jira/myself?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.acme}`]) {
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
    expect(body.accounts[0]).toMatchObject({ userId: body.userId, displayName: 'Ada Lovelace', email: 'ada@example.com', status: 'active' });
    expect(body.sites.map((site) => site.cloudId).sort()).toEqual(Object.values(DEFAULT_EMULATOR_CLOUD_IDS).sort());
    expect(body.sites.every((site) => site.accountId === body.accounts[0].id)).toBe(true);
    expect(JSON.stringify(body)).not.toMatch(/token"\s*:/i);
  });

  it("answers /api/jira/myself with Jira's user and /api/jira/projects with the site's projects", async () => {
    const myself = await session.request(`${url}/api/jira/myself?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.acme}`);
    expect(myself.status).toBe(200);
    expect(await myself.json()).toMatchObject({ displayName: 'Ada Lovelace' });
    const projects = await session.request(`${url}/api/jira/projects?cloudId=${DEFAULT_EMULATOR_CLOUD_IDS.globex}`);
    expect(projects.status).toBe(200);
    expect(((await projects.json()) as Array<{ key: string }>).map((p) => p.key)).toEqual(['GLX', 'SUP']);
  });

  it('answers 400 JSON for a missing cloudId and for a cloudId that is not one of the user\'s sites', async () => {
    const missing = await session.request(`${url}/api/jira/myself`);
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ statusCode: 400 });
    const unknown = await session.request(`${url}/api/jira/myself?cloudId=00000000-0000-4000-8000-000000000000`);
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { message: string }).message).toContain('not one of your sites');
  });

  it('shows a failing Jira site as a message on the home page, not a 500', async () => {
    const failing = DEFAULT_EMULATOR_CLOUD_IDS.initech;
    running.demo.emulator!.inject({ route: 'jira', status: 503, times: Infinity, match: { path: `/ex/jira/${failing}/rest/api/3/project/search` } });
    try {
      const response = await session.request(`${url}/`);
      expect(response.status).toBe(200);
      const html = await response.text();
      expect(html).toContain('Jira answered 503 to GET /rest/api/3/project/search');
      expect(html).toContain('Acme Platform');
    } finally {
      running.demo.emulator!.clearFaults();
    }
  });

  it('keeps the library\'s JSON errors on the guarded routes', async () => {
    const response = await new BrowserSession().request(`${url}/auth/atlassian/callback`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ statusCode: 400, code: 'oauth_missing_code' });
  });

  it('refuses a tampered session cookie', async () => {
    const forged = new BrowserSession();
    const [payload, signature] = session.cookie(SESSION_COOKIE)!.split('.');
    const other = Buffer.from(JSON.stringify({ sub: 'someone-else', exp: 4102444800 })).toString('base64url');
    forged.setCookie(SESSION_COOKIE, `${other}.${signature}`);
    expect((await forged.request(`${url}/api/me`)).status).toBe(401);
    forged.setCookie(SESSION_COOKIE, `${payload}.${signature[0] === 'A' ? 'B' : 'A'}${signature.slice(1)}`);
    expect((await forged.request(`${url}/api/me`)).status).toBe(401);
  });

  it('serves the same signed-in user from a second demo process on the same database and SESSION_SECRET', async () => {
    const second = await startDemoUnderTest({ SQLITE_PATH: running.sqlitePath, SESSION_SECRET: running.sessionSecret });
    try {
      const other = new BrowserSession();
      other.setCookie(SESSION_COOKIE, session.cookie(SESSION_COOKIE)!);
      const [here, there] = await Promise.all([session.request(`${url}/api/me`), other.request(`${second.demo.url}/api/me`)]);
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
      expect(((await me.json()) as MeResponse).accounts).toMatchObject([{ displayName: 'Ada Lovelace' }]);
      expect(await running.demo.dataSource.query('SELECT count(*)::int AS n FROM atlassian_linked_accounts')).toEqual([{ n: 1 }]);
    } finally {
      await running.close();
    }
  });
});
