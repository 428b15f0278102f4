import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LinkedAccount, TokenCipher, type AuthenticatedUser } from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_ACCOUNT_ID } from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestApp, TEST_USER_HEADER, type TestApp } from '../support/test-app.js';

/** The state cookie as the module names it by default: prefix + `_` + provider id. */
const STATE_COOKIE = 'nestjs_atlassian_oauth_atlassian';
const CALLBACK_PATH = '/auth/atlassian/callback';
/** The app's timeout for provider calls in the slow-provider app: short, so the timeout case is quick. */
const SHORT_TIMEOUT_MS = 250;
/** What every error body must be: the status, a stable code, a message; nothing else. */
type ErrorBody = { statusCode: number; code: string; message: string };

describe.each(['sqlite', 'postgres'] as const)('Atlassian sign-in errors end to end (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  /** The app under test; passport keeps one strategy per name per process, so one app runs at a time. */
  let app: TestApp;
  /** Every token the app stored so far (decrypted): none may ever appear in an error body. */
  const storedTokens = new Set<string>();

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    database = await createTestDatabase(kind);
  });
  afterEach(() => {
    vi.useRealTimers();
    emulator.clearFaults();
    emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  /** Opens the login route; answers the session, the authorize URL and the state it carries. */
  async function startLogin(session = new BrowserSession(), headers: Record<string, string> = {}, query = '') {
    const login = await session.request(`${app.url}/auth/atlassian${query}`, { headers });
    expect(login.status).toBe(302);
    const authorizeURL = login.headers.get('location')!;
    expect(session.cookie(STATE_COOKIE)).toBeDefined();
    return { session, authorizeURL, state: new URL(authorizeURL).searchParams.get('state')! };
  }

  /** Login, consent on the emulator, callback: the whole dance, as a browser does it. */
  async function signIn(session = new BrowserSession(), headers: Record<string, string> = {}, query = '') {
    const { authorizeURL } = await startLogin(session, headers, query);
    const cookie = session.cookie(STATE_COOKIE)!;
    const callbackURL = await emulator.approve(authorizeURL);
    const response = await session.request(callbackURL, { headers });
    return { session, response, callbackURL, cookie };
  }

  async function collectStoredTokens(): Promise<void> {
    const rows = await app.dataSource
      .getRepository(LinkedAccount)
      .createQueryBuilder('a')
      .addSelect(['a.accessTokenEncrypted', 'a.refreshTokenEncrypted'])
      .getMany();
    const cipher = app.app.get(TokenCipher);
    for (const row of rows) {
      storedTokens.add(cipher.decrypt(row.accessTokenEncrypted));
      if (row.refreshTokenEncrypted) storedTokens.add(cipher.decrypt(row.refreshTokenEncrypted));
    }
  }

  /** Everything stored: both tables in full, and their row counts. */
  async function storedRows() {
    const count = async (table: string) => Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
    return {
      accountCount: await count('atlassian_linked_accounts'),
      siteCount: await count('atlassian_sites'),
      accounts: await app.dataSource.query('SELECT * FROM atlassian_linked_accounts ORDER BY "id"'),
      sites: await app.dataSource.query('SELECT * FROM atlassian_sites ORDER BY "id"'),
    };
  }

  async function expectNothingStored(before: Awaited<ReturnType<typeof storedRows>>): Promise<void> {
    const after = await storedRows();
    expect(after.accountCount).toBe(before.accountCount);
    expect(after.siteCount).toBe(before.siteCount);
    // Known accounts (tokens, version, updatedAt included) and their sites are exactly as they were.
    expect(after.accounts).toEqual(before.accounts);
    expect(after.sites).toEqual(before.sites);
  }

  /**
   * The exact status and code, a message that says what to do, no redirect (above all not back to
   * Atlassian), and no token: neither one the app stored, nor any JWT-shaped string (the emulator's
   * codes and tokens, like Atlassian's, are JWT-shaped), nor a token field.
   */
  async function expectError(response: Response, status: number, code: string, advice: RegExp): Promise<ErrorBody> {
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status });
    expect(response.headers.get('location')).toBeNull();
    const body = JSON.parse(text) as ErrorBody;
    expect(body).toEqual({ statusCode: status, code, message: expect.stringMatching(advice) });
    expect(text).not.toMatch(/access_token|refresh_token|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/);
    for (const token of storedTokens) expect(text.includes(token)).toBe(false);
    return body;
  }

  function withParams(url: string, change: (params: URLSearchParams) => void): string {
    const next = new URL(url);
    change(next.searchParams);
    return next.toString();
  }

  describe('with the default options', () => {
    beforeAll(async () => {
      app = await startTestApp(database, emulator);
      // A known account (Ada, with three sites) that every failed callback must leave untouched.
      const { response } = await signIn();
      expect(response.status).toBe(200);
      await collectStoredTokens();
    });
    afterAll(async () => {
      await app?.close();
    });

    describe('what the provider sends back', () => {
      it('answers 401 oauth_access_denied when the user presses Deny, and clears the state cookie', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL, { deny: true });
        expect(new URL(callbackURL).searchParams.get('error')).toBe('access_denied');
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(callbackURL), 401, 'oauth_access_denied', /start the sign-in again/i);
        expect(session.cookie(STATE_COOKIE)).toBeUndefined();
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_authorization_error for any other error the provider sends back', async () => {
        const before = await storedRows();
        const { session, state } = await startLogin();
        const callbackURL = `${app.callbackURL}?${new URLSearchParams({ error: 'invalid_scope', error_description: 'Scope not allowed', state })}`;

        const body = await expectError(await session.request(callbackURL), 400, 'oauth_authorization_error', /start the sign-in again/i);
        expect(body.message).toContain('invalid_scope');
        expect(session.cookie(STATE_COOKIE)).toBeUndefined();
        await expectNothingStored(before);
      });

      it('answers 400 oauth_missing_code for a callback with a state but no code, without redirecting to Atlassian', async () => {
        const before = await storedRows();
        const { session, state } = await startLogin();
        const authorizeCalls = emulator.count('authorize');
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(`${app.callbackURL}?state=${state}`), 400, 'oauth_missing_code', /start the sign-in again/i);
        expect(emulator.count('authorize')).toBe(authorizeCalls);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });
    });

    describe('state and its cookie', () => {
      it('answers 400 oauth_state_mismatch when the state parameter is missing', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = withParams(await emulator.approve(authorizeURL), (p) => p.delete('state'));
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(callbackURL), 400, 'oauth_state_mismatch', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_mismatch when the state parameter is another one', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = withParams(await emulator.approve(authorizeURL), (p) => p.set('state', randomBytes(32).toString('base64url')));
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(callbackURL), 400, 'oauth_state_mismatch', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_cookie_missing when the browser has no state cookie', async () => {
        const before = await storedRows();
        const { authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        const tokenCalls = emulator.count('token');

        await expectError(await new BrowserSession().request(callbackURL), 400, 'oauth_state_cookie_missing', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_cookie_missing when the browser replays a completed callback (its cookie was cleared)', async () => {
        const { session, response, callbackURL } = await signIn();
        expect(response.status).toBe(200);
        await collectStoredTokens();
        expect(session.cookie(STATE_COOKIE)).toBeUndefined();
        const before = await storedRows();
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(callbackURL), 400, 'oauth_state_cookie_missing', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_replayed when a completed callback comes back with its cookie re-set', async () => {
        const { session, response, callbackURL, cookie } = await signIn();
        expect(response.status).toBe(200);
        await collectStoredTokens();
        const before = await storedRows();
        const tokenCalls = emulator.count('token');

        session.setCookie(STATE_COOKIE, cookie, CALLBACK_PATH);
        await expectError(await session.request(callbackURL), 400, 'oauth_state_replayed', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_code_rejected when an old code comes back with a fresh state and cookie', async () => {
        const first = await signIn();
        expect(first.response.status).toBe(200);
        await collectStoredTokens();
        const before = await storedRows();
        const oldCode = new URL(first.callbackURL).searchParams.get('code')!;
        const { session, state } = await startLogin(first.session);
        const rejectedBefore = emulator.count('token', { grantType: 'authorization_code', status: 403 });

        const callbackURL = `${app.callbackURL}?${new URLSearchParams({ code: oldCode, state })}`;
        await expectError(await session.request(callbackURL), 400, 'oauth_code_rejected', /start the sign-in again/i);
        expect(emulator.count('token', { grantType: 'authorization_code', status: 403 })).toBe(rejectedBefore + 1);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_invalid when the state cookie was altered', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        const cookie = session.cookie(STATE_COOKIE)!;
        const at = Math.floor(cookie.length / 2);
        session.setCookie(STATE_COOKIE, cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1), CALLBACK_PATH);
        const tokenCalls = emulator.count('token');

        await expectError(await session.request(callbackURL), 400, 'oauth_state_invalid', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_expired when a client keeps the cookie past its lifetime', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        const cookie = session.cookie(STATE_COOKIE)!;
        const tokenCalls = emulator.count('token');

        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() + 601_000);
        // A browser drops the cookie at its Max-Age (600 s)...
        expect(session.cookie(STATE_COOKIE)).toBeUndefined();
        // ...a client that ignores Max-Age still sends it: the expiry inside the cookie decides.
        session.setCookie(STATE_COOKIE, cookie, CALLBACK_PATH);
        const response = await session.request(callbackURL);
        vi.useRealTimers();

        await expectError(response, 400, 'oauth_state_expired', /start the sign-in again/i);
        expect(emulator.count('token')).toBe(tokenCalls);
        await expectNothingStored(before);
      });

      it('answers 400 oauth_state_cookie_missing when the browser dropped the cookie at its Max-Age', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);

        vi.useFakeTimers({ toFake: ['Date'] });
        vi.setSystemTime(Date.now() + 601_000);
        const response = await session.request(callbackURL);
        vi.useRealTimers();

        await expectError(response, 400, 'oauth_state_cookie_missing', /start the sign-in again/i);
        await expectNothingStored(before);
      });
    });

    describe('provider failures after the callback', () => {
      it('answers 502 oauth_provider_unavailable when the token endpoint fails', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        emulator.inject({ route: 'token', status: 503 });

        await expectError(await session.request(callbackURL), 502, 'oauth_provider_unavailable', /try again later/i);
        expect(emulator.count('token', { grantType: 'authorization_code', status: 503 })).toBeGreaterThanOrEqual(1);
        await expectNothingStored(before);
      });

      it('answers 502 oauth_profile_fetch_failed when /me fails', async () => {
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        emulator.inject({ route: 'me', status: 500 });

        await expectError(await session.request(callbackURL), 502, 'oauth_profile_fetch_failed', /try again later/i);
        expect(emulator.count('me', { status: 500 })).toBe(1);
        await expectNothingStored(before);
      });

      it('answers 502 oauth_profile_fetch_failed when the accessible resources fail, for a new account too', async () => {
        emulator.addUser({ accountId: 'errors-new-user', name: 'Nora New', email: 'nora@example.com' });
        emulator.signInAs('errors-new-user');
        const before = await storedRows();
        const { session, authorizeURL } = await startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        emulator.inject({ route: 'accessible-resources', status: 500 });

        await expectError(await session.request(callbackURL), 502, 'oauth_profile_fetch_failed', /try again later/i);
        expect(emulator.count('accessible-resources', { status: 500 })).toBe(1);
        await expectNothingStored(before);
        expect(await app.dataSource.getRepository(LinkedAccount).countBy({ providerAccountId: 'errors-new-user' })).toBe(0);
      });
    });

    describe('link mode', () => {
      it('answers 409 account_owned_by_another_user and leaves the owner\'s row unchanged', async () => {
        const owner = await app.dataSource.getRepository(LinkedAccount).findOneByOrFail({ providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID });
        const before = await storedRows();
        const headers = { [TEST_USER_HEADER]: `not-${owner.userId}` };
        const { session, authorizeURL } = await startLogin(new BrowserSession(), headers);
        const callbackURL = await emulator.approve(authorizeURL);

        await expectError(await session.request(callbackURL, { headers }), 409, 'account_owned_by_another_user', /sign in as that user and unlink it/i);
        await expectNothingStored(before);
        expect(await app.dataSource.getRepository(LinkedAccount).findOneByOrFail({ id: owner.id })).toEqual(owner);
      });

      it('answers 403 oauth_link_user_mismatch when another app user (or nobody) is signed in at the callback', async () => {
        emulator.addUser({ accountId: 'errors-link-user', name: 'Lin Ker', email: 'linker@example.com' });
        emulator.signInAs('errors-link-user');
        const before = await storedRows();
        const exchangesBefore = emulator.count('token');

        const other = await startLogin(new BrowserSession(), { [TEST_USER_HEADER]: 'user-a' });
        const otherCallback = await emulator.approve(other.authorizeURL);
        const otherResponse = await other.session.request(otherCallback, { headers: { [TEST_USER_HEADER]: 'user-b' } });
        await expectError(otherResponse, 403, 'oauth_link_user_mismatch', /sign in again and retry the link/i);

        const nobody = await startLogin(new BrowserSession(), { [TEST_USER_HEADER]: 'user-a' });
        const nobodyResponse = await nobody.session.request(await emulator.approve(nobody.authorizeURL));
        await expectError(nobodyResponse, 403, 'oauth_link_user_mismatch', /sign in again and retry the link/i);

        await expectNothingStored(before);
        expect(await app.dataSource.getRepository(LinkedAccount).countBy({ providerAccountId: 'errors-link-user' })).toBe(0);
        // Refused before the code exchange: no tokens were ever issued for the wrong user.
        expect(emulator.count('token')).toBe(exchangesBefore);
      });
    });

    describe('returnTo', () => {
      it.each([
        ['//evil.com'],
        ['https://evil.com/dashboard'],
        ['/\\evil.com'],
        ['/\t/evil.com'],
        ['/\n/evil.com'],
        ['dashboard'],
      ])('ignores returnTo=%j, which would leave the site', async (returnTo) => {
        const { response } = await signIn(new BrowserSession(), {}, `?${new URLSearchParams({ returnTo })}`);
        expect(response.status).toBe(200);
        const user = (await response.json()) as AuthenticatedUser;
        expect(user.returnTo).toBeUndefined();
        expect(user.userId).toBeTypeOf('string');
      });

      it.each([['/dashboard'], ['/dashboard?tab=issues#top']])('hands returnTo=%j back in req.user.returnTo', async (returnTo) => {
        const { response } = await signIn(new BrowserSession(), {}, `?${new URLSearchParams({ returnTo })}`);
        expect(response.status).toBe(200);
        expect(((await response.json()) as AuthenticatedUser).returnTo).toBe(returnTo);
      });
    });
  });

  describe('with a provider slower than httpTimeoutMs', () => {
    beforeAll(async () => {
      app = await startTestApp(database, emulator, { httpTimeoutMs: SHORT_TIMEOUT_MS });
    });
    afterAll(async () => {
      await app?.close();
    });

    it('answers 502 oauth_provider_unavailable when the token endpoint does not answer within httpTimeoutMs', async () => {
      const before = await storedRows();
      const { session, authorizeURL } = await startLogin();
      const callbackURL = await emulator.approve(authorizeURL);
      expect(callbackURL.startsWith(app.callbackURL)).toBe(true);
      emulator.inject({ route: 'token', delayMs: 20 * SHORT_TIMEOUT_MS });

      const body = await expectError(await session.request(callbackURL), 502, 'oauth_provider_unavailable', /try again later/i);
      expect(body.message).toContain(`timed out after ${SHORT_TIMEOUT_MS} ms`);
      await expectNothingStored(before);
    });
  });
});
