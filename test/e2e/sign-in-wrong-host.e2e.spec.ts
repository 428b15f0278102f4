import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticatedUser } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  ATLASSIAN_UNDER_TEST,
  expectNothingStored,
  expectOAuthError,
  storedRows,
} from '../support/oauth-provider-flow.js';
import { startTestApp, TEST_ADAPTERS, type TestApp } from '../support/test-app.js';

const { stateCookie, loginPath, callbackPath } = ATLASSIAN_UNDER_TEST;

/**
 * The app listens on 127.0.0.1 but its callback URL names localhost, as in a dev setup registered with
 * `http://localhost:3000/...`: two hosts to a browser, so a cookie set on one is never sent to the other.
 */
describe.each(TEST_ADAPTERS)('Sign-in from the wrong host (%s)', (adapter) => {
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  let app: TestApp;
  /** The app as the browser opens it by mistake: 127.0.0.1. */
  let loopbackURL: string;
  /** The app on the callback URL's origin: localhost. */
  let callbackOrigin: string;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    database = await createTestDatabase('sqlite');
    app = await startTestApp({ database, emulator, callbackHost: 'localhost', adapter });
    loopbackURL = app.url;
    callbackOrigin = new URL(app.callbackURL).origin;
    expect(new URL(loopbackURL).hostname).toBe('127.0.0.1');
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('Login on 127.0.0.1 with a localhost callback completes the sign-in', async () => {
    const session = new BrowserSession();
    const before = await storedRows(app);
    const query = `?${new URLSearchParams({ returnTo: '/dashboard?tab=1' })}`;

    const first = await session.request(`${loopbackURL}${loginPath}${query}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`${callbackOrigin}${loginPath}${query}`);
    // Redirected before any state cookie exists, on either host.
    expect(session.cookie(stateCookie)).toBeUndefined();
    await expectNothingStored(app, before);

    const login = await session.request(first.headers.get('location')!);
    expect(login.status).toBe(302);
    const authorizeURL = login.headers.get('location')!;
    expect(authorizeURL.startsWith(emulator.authBaseURL)).toBe(true);
    expect(session.cookie(stateCookie, 'localhost')).toBeDefined();
    expect(session.cookie(stateCookie, '127.0.0.1')).toBeUndefined();

    const callbackURL = await emulator.approve(authorizeURL);
    expect(callbackURL.startsWith(`${callbackOrigin}${callbackPath}?`)).toBe(true);
    const response = await session.request(callbackURL);
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status: 200 });
    const user = JSON.parse(text) as AuthenticatedUser;
    expect(user).toMatchObject({ mode: 'sign-in', returnTo: '/dashboard?tab=1' });
    expect((await storedRows(app)).accountCount).toBe(before.accountCount + 1);
  });

  it('names the other host as a cause when the state cookie is missing anyway', async () => {
    const session = new BrowserSession();
    const login = await session.request(`${callbackOrigin}${loginPath}`);
    const callbackURL = await emulator.approve(login.headers.get('location')!);
    const before = await storedRows(app);

    // The callback reached on 127.0.0.1, where the browser holds no state cookie.
    const onLoopback = callbackURL.replace(callbackOrigin, loopbackURL);
    const body = await expectOAuthError(
      await session.request(onLoopback),
      400,
      'oauth_state_cookie_missing',
      /another host than the callback URL's/,
    );
    expect(body.message).toContain(`127.0.0.1 instead of localhost`);
    expect(body.message).toContain(`Start the sign-in again from ${callbackOrigin}`);
    await expectNothingStored(app, before);
  });

  it('does not redirect when a proxy forwards the callback host in X-Forwarded-Host', async () => {
    const session = new BrowserSession();
    const login = await session.request(`${loopbackURL}${loginPath}`, {
      headers: { 'x-forwarded-host': new URL(callbackOrigin).host },
    });
    expect(login.status).toBe(302);
    expect(login.headers.get('location')!.startsWith(emulator.authBaseURL)).toBe(true);
  });

  it('lets the second visit through when a proxy rewrites Host and forwards nothing (no redirect loop)', async () => {
    const session = new BrowserSession();
    // Both visits arrive on 127.0.0.1, as through a proxy that rewrites Host to its upstream.
    const first = await session.request(`${loopbackURL}${loginPath}`);
    expect(first.status).toBe(302);
    expect(first.headers.get('location')).toBe(`${callbackOrigin}${loginPath}`);
    const second = await session.request(`${loopbackURL}${loginPath}`);
    expect(second.status).toBe(302);
    expect(second.headers.get('location')!.startsWith(emulator.authBaseURL)).toBe(true);
    // The marker is spent: a later login on the wrong host is redirected again.
    const third = await session.request(`${loopbackURL}${loginPath}`);
    expect(third.headers.get('location')).toBe(`${callbackOrigin}${loginPath}`);
  });
});
