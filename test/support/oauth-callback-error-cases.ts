import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { LinkedAccount } from '../../src/index.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID, type AtlassianEmulator } from '../../src/testing/index.js';
import { BrowserSession } from './browser-session.js';
import {
  expectNothingStored,
  expectOAuthError,
  storedPlainTokens,
  storedRows,
  withParams,
  type OAuthFlowDriver,
} from './oauth-provider-flow.js';
import { TEST_USER_HEADER, type TestApp } from './test-app.js';

/** What the shared bad-input cases run against: an app on which the emulator's default user already signed in. */
export interface CallbackErrorContext {
  driver: OAuthFlowDriver;
  app: () => TestApp;
  emulator: () => AtlassianEmulator;
  /** Every token the app stored so far (decrypted): none may ever appear in an error body. */
  knownTokens: Set<string>;
}

/** Past the state cookie's default lifetime (600 s). */
const PAST_COOKIE_LIFETIME_MS = 601_000;

/**
 * The bad inputs every provider's callback must refuse with a stable code, storing nothing and never
 * redirecting back to the provider. Registered inside the caller's `describe`, once per provider.
 */
export function defineCallbackErrorCases({
  driver,
  app,
  emulator,
  knownTokens,
}: CallbackErrorContext): void {
  const { provider } = driver;
  const tokenCalls = (filter = {}) => emulator().count(provider.tokenRoute, filter);
  const remember = async () => {
    for (const token of await storedPlainTokens(app())) knownTokens.add(token);
  };
  const expectError = (response: Response, status: number, code: string, advice: RegExp) =>
    expectOAuthError(response, status, code, advice, knownTokens);

  describe('what the provider sends back', () => {
    it('answers 401 oauth_access_denied when the user presses Deny, and clears the state cookie', async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL, { deny: true });
      expect(new URL(callbackURL).searchParams.get('error')).toBe('access_denied');
      const exchanges = tokenCalls();

      await expectError(
        await session.request(callbackURL),
        401,
        'oauth_access_denied',
        /start the sign-in again/i,
      );
      expect(session.cookie(provider.stateCookie)).toBeUndefined();
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_authorization_error for any other error the provider sends back', async () => {
      const before = await storedRows(app());
      const { session, state } = await driver.startLogin();
      const callbackURL = `${driver.callbackURL}?${new URLSearchParams({ error: 'invalid_scope', error_description: 'Scope not allowed', state })}`;

      const body = await expectError(
        await session.request(callbackURL),
        400,
        'oauth_authorization_error',
        /start the sign-in again/i,
      );
      expect(body.message).toContain('invalid_scope');
      expect(session.cookie(provider.stateCookie)).toBeUndefined();
      await expectNothingStored(app(), before);
    });

    it(`answers 400 oauth_missing_code for a callback with a state but no code, without redirecting to ${provider.displayName}`, async () => {
      const before = await storedRows(app());
      const { session, state } = await driver.startLogin();
      const authorizeCalls = emulator().count(provider.authorizeRoute);
      const exchanges = tokenCalls();

      await expectError(
        await session.request(`${driver.callbackURL}?state=${state}`),
        400,
        'oauth_missing_code',
        /start the sign-in again/i,
      );
      expect(emulator().count(provider.authorizeRoute)).toBe(authorizeCalls);
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });
  });

  describe('state and its cookie', () => {
    it.each([
      ['missing', (params: URLSearchParams) => params.delete('state')],
      [
        'another one',
        (params: URLSearchParams) => params.set('state', randomBytes(32).toString('base64url')),
      ],
    ])(
      'answers 400 oauth_state_mismatch when the state parameter is %s',
      async (_label, change) => {
        const before = await storedRows(app());
        const { session, authorizeURL } = await driver.startLogin();
        const callbackURL = withParams(await emulator().approve(authorizeURL), change);
        const exchanges = tokenCalls();

        await expectError(
          await session.request(callbackURL),
          400,
          'oauth_state_mismatch',
          /start the sign-in again/i,
        );
        expect(tokenCalls()).toBe(exchanges);
        await expectNothingStored(app(), before);
      },
    );

    it('answers 400 oauth_state_cookie_missing when the browser has no state cookie', async () => {
      const before = await storedRows(app());
      const { authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);
      const exchanges = tokenCalls();

      await expectError(
        await new BrowserSession().request(callbackURL),
        400,
        'oauth_state_cookie_missing',
        /start the sign-in again/i,
      );
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_state_cookie_missing when the browser replays a completed callback (its cookie was cleared)', async () => {
      const { session, response, callbackURL } = await driver.signIn();
      expect(response.status).toBe(200);
      await remember();
      expect(session.cookie(provider.stateCookie)).toBeUndefined();
      const before = await storedRows(app());
      const exchanges = tokenCalls();

      await expectError(
        await session.request(callbackURL),
        400,
        'oauth_state_cookie_missing',
        /start the sign-in again/i,
      );
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_state_replayed when a completed callback comes back with its cookie re-set', async () => {
      const { session, response, callbackURL, cookie } = await driver.signIn();
      expect(response.status).toBe(200);
      await remember();
      const before = await storedRows(app());
      const exchanges = tokenCalls();

      session.setCookie(provider.stateCookie, cookie, provider.callbackPath);
      await expectError(
        await session.request(callbackURL),
        400,
        'oauth_state_replayed',
        /start the sign-in again/i,
      );
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_code_rejected when an old code comes back with a fresh state and cookie', async () => {
      const first = await driver.signIn();
      expect(first.response.status).toBe(200);
      await remember();
      const before = await storedRows(app());
      const oldCode = new URL(first.callbackURL).searchParams.get('code')!;
      const { session, state } = await driver.startLogin(first.session);
      const rejected = { grantType: 'authorization_code', status: provider.codeRejectedStatus };
      const rejectedBefore = tokenCalls(rejected);

      const callbackURL = `${driver.callbackURL}?${new URLSearchParams({ code: oldCode, state })}`;
      await expectError(
        await session.request(callbackURL),
        400,
        'oauth_code_rejected',
        /start the sign-in again/i,
      );
      expect(tokenCalls(rejected)).toBe(rejectedBefore + 1);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_state_invalid when the state cookie was altered', async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);
      const cookie = session.cookie(provider.stateCookie)!;
      const at = Math.floor(cookie.length / 2);
      session.setCookie(
        provider.stateCookie,
        cookie.slice(0, at) + (cookie[at] === 'A' ? 'B' : 'A') + cookie.slice(at + 1),
        provider.callbackPath,
      );
      const exchanges = tokenCalls();

      await expectError(
        await session.request(callbackURL),
        400,
        'oauth_state_invalid',
        /start the sign-in again/i,
      );
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_state_expired when a client keeps the cookie past its lifetime', async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);
      const cookie = session.cookie(provider.stateCookie)!;
      const exchanges = tokenCalls();

      vi.useFakeTimers({ toFake: ['Date'] });
      let response: Response;
      try {
        vi.setSystemTime(Date.now() + PAST_COOKIE_LIFETIME_MS);
        // A browser drops the cookie at its Max-Age (600 s)...
        expect(session.cookie(provider.stateCookie)).toBeUndefined();
        // ...a client that ignores Max-Age still sends it: the expiry inside the cookie decides.
        session.setCookie(provider.stateCookie, cookie, provider.callbackPath);
        response = await session.request(callbackURL);
      } finally {
        vi.useRealTimers();
      }

      await expectError(response, 400, 'oauth_state_expired', /start the sign-in again/i);
      expect(tokenCalls()).toBe(exchanges);
      await expectNothingStored(app(), before);
    });

    it('answers 400 oauth_state_cookie_missing when the browser dropped the cookie at its Max-Age', async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);

      vi.useFakeTimers({ toFake: ['Date'] });
      let response: Response;
      try {
        vi.setSystemTime(Date.now() + PAST_COOKIE_LIFETIME_MS);
        response = await session.request(callbackURL);
      } finally {
        vi.useRealTimers();
      }

      await expectError(response, 400, 'oauth_state_cookie_missing', /start the sign-in again/i);
      await expectNothingStored(app(), before);
    });
  });

  describe('provider failures after the callback', () => {
    it('answers 502 oauth_provider_unavailable when the token endpoint fails', async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);
      emulator().inject({ route: provider.tokenRoute, status: 503 });

      await expectError(
        await session.request(callbackURL),
        502,
        'oauth_provider_unavailable',
        /try again later/i,
      );
      expect(tokenCalls({ grantType: 'authorization_code', status: 503 })).toBe(1);
      await expectNothingStored(app(), before);
    });

    it(`answers 502 oauth_profile_fetch_failed when ${provider.profilePath} fails`, async () => {
      const before = await storedRows(app());
      const { session, authorizeURL } = await driver.startLogin();
      const callbackURL = await emulator().approve(authorizeURL);
      emulator().inject({ route: provider.profileRoute, status: 500 });

      await expectError(
        await session.request(callbackURL),
        502,
        'oauth_profile_fetch_failed',
        /try again later/i,
      );
      expect(emulator().count(provider.profileRoute, { status: 500 })).toBe(1);
      await expectNothingStored(app(), before);
    });
  });

  describe('link mode', () => {
    it("answers 409 account_owned_by_another_user and leaves the owner's row unchanged", async () => {
      const accounts = app().dataSource.getRepository(LinkedAccount);
      const owner = await accounts.findOneByOrFail({
        provider: provider.id,
        providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID,
      });
      const before = await storedRows(app());
      const headers = { [TEST_USER_HEADER]: `not-${owner.userId}` };
      const { session, authorizeURL } = await driver.startLogin(new BrowserSession(), headers);
      const callbackURL = await emulator().approve(authorizeURL);

      await expectError(
        await session.request(callbackURL, { headers }),
        409,
        'account_owned_by_another_user',
        /sign in as that user and unlink it/i,
      );
      await expectNothingStored(app(), before);
      expect(await accounts.findOneByOrFail({ id: owner.id })).toEqual(owner);
    });

    it('answers 403 oauth_link_user_mismatch when another app user (or nobody) is signed in at the callback', async () => {
      const accountId = `errors-link-user-${provider.id}`;
      emulator().addUser({ accountId, name: 'Lin Ker', email: 'linker@example.com' });
      const before = await storedRows(app());
      const exchanges = tokenCalls();

      const other = await driver.startLogin(new BrowserSession(), { [TEST_USER_HEADER]: 'user-a' });
      const otherCallback = await emulator().approve(other.authorizeURL, { accountId });
      const otherResponse = await other.session.request(otherCallback, {
        headers: { [TEST_USER_HEADER]: 'user-b' },
      });
      await expectError(
        otherResponse,
        403,
        'oauth_link_user_mismatch',
        /sign in again and retry the link/i,
      );

      const nobody = await driver.startLogin(new BrowserSession(), {
        [TEST_USER_HEADER]: 'user-a',
      });
      const nobodyResponse = await nobody.session.request(
        await emulator().approve(nobody.authorizeURL, { accountId }),
      );
      await expectError(
        nobodyResponse,
        403,
        'oauth_link_user_mismatch',
        /sign in again and retry the link/i,
      );

      await expectNothingStored(app(), before);
      expect(
        await app()
          .dataSource.getRepository(LinkedAccount)
          .countBy({ providerAccountId: accountId }),
      ).toBe(0);
      // Refused before the code exchange: no tokens were ever issued for the wrong user.
      expect(tokenCalls()).toBe(exchanges);
    });
  });
}

/**
 * The timeout case: needs an app whose `httpTimeoutMs` is `timeoutMs`, so the caller starts one; the
 * emulator holds the token endpoint twenty times longer.
 */
export function defineTokenTimeoutCase(
  { driver, app, emulator }: Omit<CallbackErrorContext, 'knownTokens'>,
  timeoutMs: number,
): void {
  it('answers 502 oauth_provider_unavailable when the token endpoint does not answer within httpTimeoutMs', async () => {
    const before = await storedRows(app());
    const { session, authorizeURL } = await driver.startLogin();
    const callbackURL = await emulator().approve(authorizeURL);
    expect(callbackURL.startsWith(driver.callbackURL)).toBe(true);
    emulator().inject({ route: driver.provider.tokenRoute, delayMs: 20 * timeoutMs });

    const body = await expectOAuthError(
      await session.request(callbackURL),
      502,
      'oauth_provider_unavailable',
      /try again later/i,
    );
    expect(body.message).toContain(`timed out after ${timeoutMs} ms`);
    await expectNothingStored(app(), before);
  });
}
