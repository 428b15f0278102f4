import { randomBytes } from 'node:crypto';
import { parse as parseSetCookie } from 'set-cookie-parser';
import { describe, expect, it, vi } from 'vitest';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError } from '../errors/oauth-callback.error.js';
import { TokenCipher } from '../crypto/token-cipher.js';
import type { AppRequest } from '../http/app-request.interface.js';
import { bindSignInResponse, SignInResponse } from '../http/sign-in-response.js';
import type { OAuthFlowState } from './oauth-flow-state.interface.js';
import {
  OAuthStateCookieStore,
  verifiedFlowOf,
  type StateCookieSettings,
} from './oauth-state-cookie.store.js';

const NAME = 'nestjs_atlassian_oauth_atlassian';
const SETTINGS: StateCookieSettings = {
  name: NAME,
  maxAgeSeconds: 600,
  secure: true,
  path: '/auth/atlassian/callback',
};

/**
 * A request with the given cookie header, bound as the guard binds it to a response whose adapter
 * records each `Set-Cookie` (an adapter without `setCookie`, as before Nest 12.1).
 */
function fakeRequest(cookieHeader?: string): { req: AppRequest; setCookies: string[] } {
  const setCookies: string[] = [];
  const adapter = {
    appendHeader(_response: unknown, name: string, value: string) {
      expect(name).toBe('Set-Cookie');
      setCookies.push(value);
    },
    setHeader() {
      throw new Error('the state store sets no other header');
    },
    reply() {
      throw new Error('the state store never answers');
    },
  };
  const req: AppRequest = {
    method: 'GET',
    url: '/auth/atlassian',
    headers: cookieHeader === undefined ? {} : { cookie: cookieHeader },
  };
  bindSignInResponse(req, new SignInResponse(adapter, {}));
  return { req, setCookies };
}

/** A store with a clock the test moves. */
function storeWithClock(
  settings: Partial<StateCookieSettings> = {},
  cipher = new TokenCipher([{ id: 'k', key: randomBytes(32) }], 'oauth-state'),
) {
  const clock = { nowMs: Date.UTC(2026, 0, 1) };
  const store = new OAuthStateCookieStore(cipher, { ...SETTINGS, ...settings }, () => clock.nowMs);
  return { store, clock, cipher };
}

/** Runs `store()` as passport-oauth2 does at the login route; answers the state and the cookie set. */
function login(store: OAuthStateCookieStore, verifier: string | undefined, flow?: OAuthFlowState) {
  const { req, setCookies } = fakeRequest();
  let state: string | undefined;
  store.store(req, verifier, flow, {}, (err, value) => {
    expect(err).toBeNull();
    state = value;
  });
  expect(setCookies).toHaveLength(1);
  const [cookie] = parseSetCookie(setCookies, { decodeValues: false });
  return { state: state!, cookie, rawSetCookie: setCookies[0] };
}

interface Verified {
  err: Error | null;
  ok?: string | boolean;
  flow?: OAuthFlowState;
  req: AppRequest;
  setCookies: string[];
}

/** Runs `verify()` as passport-oauth2 does at the callback. */
async function callback(
  store: OAuthStateCookieStore,
  cookieValue: string | undefined,
  state: string | undefined,
): Promise<Verified> {
  const { req, setCookies } = fakeRequest(
    cookieValue === undefined ? undefined : `other=1; ${NAME}=${cookieValue}`,
  );
  const result = await new Promise<Omit<Verified, 'req' | 'setCookies'>>((resolve) =>
    store.verify(req, state, (err, ok, flow) => resolve({ err, ok, flow })),
  );
  return { ...result, req, setCookies };
}

function expectRefused(result: Verified, code: string): void {
  expect(result.err).toBeInstanceOf(OAuthCallbackError);
  expect(result.err).toMatchObject({ code, status: 400 });
  expect(result.err!.message).toMatch(/start the sign-in again/i);
  expect(result.ok).toBeUndefined();
}

describe('OAuthStateCookieStore', () => {
  describe('at the login route', () => {
    it('answers a random 256-bit state and sets one httpOnly, SameSite=Lax, Secure cookie on the callback path', async () => {
      const { store } = storeWithClock();
      const { state, cookie, rawSetCookie } = login(store, 'verifier');
      expect(state).toMatch(/^[\w-]{43}$/);
      expect(cookie).toMatchObject({
        name: NAME,
        path: '/auth/atlassian/callback',
        maxAge: 600,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
      });
      expect(rawSetCookie).not.toMatch(/Domain=/i);
      expect(login(store, 'verifier').state).not.toBe(state);
    });

    it('leaves Secure off when the settings say so (an http callback in development)', async () => {
      const { store } = storeWithClock({ secure: false, maxAgeSeconds: 60 });
      const { cookie } = login(store, undefined);
      expect(cookie.secure).toBeUndefined();
      expect(cookie.maxAge).toBe(60);
    });

    it('keeps state, verifier and flow inside the encrypted cookie, never in clear', async () => {
      const { store, cipher } = storeWithClock();
      const { state, cookie } = login(store, 'the-pkce-verifier', {
        mode: 'link',
        linkUserId: 'user-42',
        returnTo: '/settings',
      });
      const value = decodeURIComponent(cookie.value);
      for (const secret of ['the-pkce-verifier', 'user-42', '/settings', state])
        expect(value).not.toContain(secret);
      expect(JSON.parse(cipher.decrypt(value))).toMatchObject({
        state,
        verifier: 'the-pkce-verifier',
        mode: 'link',
        linkUserId: 'user-42',
        returnTo: '/settings',
      });
    });
  });

  describe('at the callback', () => {
    it('answers the PKCE verifier and the flow, records the flow on the request, and clears the cookie', async () => {
      const { store } = storeWithClock();
      const { state, cookie } = login(store, 'the-pkce-verifier', {
        mode: 'link',
        linkUserId: 'user-42',
        returnTo: '/settings',
      });
      const result = await callback(store, cookie.value, state);
      expect(result.err).toBeNull();
      expect(result.ok).toBe('the-pkce-verifier');
      expect(result.flow).toEqual({ mode: 'link', linkUserId: 'user-42', returnTo: '/settings' });
      expect(verifiedFlowOf(result.req)).toEqual(result.flow);
      const [cleared] = parseSetCookie(result.setCookies);
      expect(cleared).toMatchObject({
        name: NAME,
        value: '',
        maxAge: 0,
        path: '/auth/atlassian/callback',
        httpOnly: true,
      });
    });

    it('answers true without PKCE, and a sign-in flow by default', async () => {
      const { store } = storeWithClock();
      const { state, cookie } = login(store, undefined);
      const result = await callback(store, cookie.value, state);
      expect(result.err).toBeNull();
      expect(result.ok).toBe(true);
      expect(result.flow).toEqual({ mode: 'sign-in', linkUserId: undefined, returnTo: undefined });
    });

    it('accepts a state once: the same cookie and state again is oauth_state_replayed', async () => {
      const { store } = storeWithClock();
      const { state, cookie } = login(store, 'v');
      expect((await callback(store, cookie.value, state)).err).toBeNull();
      const replay = await callback(store, cookie.value, state);
      expectRefused(replay, AtlassianErrorCode.StateReplayed);
      expect(verifiedFlowOf(replay.req)).toEqual({ mode: 'sign-in' });
    });

    it('refuses a callback without the cookie with oauth_state_cookie_missing', async () => {
      const { store } = storeWithClock();
      const { state } = login(store, 'v');
      expectRefused(await callback(store, undefined, state), AtlassianErrorCode.StateCookieMissing);
      expectRefused(await callback(store, '', state), AtlassianErrorCode.StateCookieMissing);
    });

    it('refuses a missing or different state with oauth_state_mismatch, and clears the cookie', async () => {
      const { store } = storeWithClock();
      const { state, cookie } = login(store, 'v');
      expectRefused(
        await callback(store, cookie.value, undefined),
        AtlassianErrorCode.StateMismatch,
      );
      const other = await callback(
        store,
        cookie.value,
        `${state.slice(0, -1)}${state.endsWith('A') ? 'B' : 'A'}`,
      );
      expectRefused(other, AtlassianErrorCode.StateMismatch);
      expect(parseSetCookie(other.setCookies)[0]).toMatchObject({
        name: NAME,
        value: '',
        maxAge: 0,
      });
      // A failed check does not burn the state: the real callback still works.
      expect((await callback(store, cookie.value, state)).err).toBeNull();
    });

    it('refuses an altered cookie, or one made with another key, with oauth_state_invalid', async () => {
      const { store } = storeWithClock();
      const { state, cookie } = login(store, 'v');
      const value = decodeURIComponent(cookie.value);
      const at = Math.floor(value.length / 2);
      const altered = value.slice(0, at) + (value[at] === 'A' ? 'B' : 'A') + value.slice(at + 1);
      expectRefused(
        await callback(store, encodeURIComponent(altered), state),
        AtlassianErrorCode.StateInvalid,
      );
      expectRefused(await callback(store, 'garbage', state), AtlassianErrorCode.StateInvalid);
      const { store: elsewhere } = storeWithClock();
      expectRefused(
        await callback(elsewhere, cookie.value, state),
        AtlassianErrorCode.StateInvalid,
      );
    });

    it('refuses a token ciphertext offered as the cookie with oauth_state_invalid', async () => {
      const key = { id: 'k', key: randomBytes(32) };
      const { store } = storeWithClock({}, new TokenCipher([key], 'oauth-state'));
      const forged = new TokenCipher([key], 'token').encrypt(
        JSON.stringify({ mode: 'sign-in', state: 's', expiresAt: Date.UTC(2030, 0, 1) }),
      );
      expectRefused(
        await callback(store, encodeURIComponent(forged), 's'),
        AtlassianErrorCode.StateInvalid,
      );
    });

    it('refuses a cookie past its lifetime with oauth_state_expired, and accepts it just before', async () => {
      const { store, clock } = storeWithClock({ maxAgeSeconds: 600 });
      const late = login(store, 'v');
      const onTime = login(store, 'v');
      clock.nowMs += 600_000 - 1;
      expect((await callback(store, onTime.cookie.value, onTime.state)).err).toBeNull();
      clock.nowMs += 1;
      const result = await callback(store, late.cookie.value, late.state);
      expectRefused(result, AtlassianErrorCode.StateExpired);
      expect(result.err!.message).toContain('600 seconds');
    });

    it('reads Date.now at each call when given no clock, so fake timers installed later are seen', async () => {
      const cipher = new TokenCipher([{ id: 'k', key: randomBytes(32) }], 'oauth-state');
      const store = new OAuthStateCookieStore(cipher, SETTINGS);
      try {
        vi.useFakeTimers({ toFake: ['Date'], now: Date.UTC(2026, 5, 1) });
        const { state, cookie } = login(store, 'v');
        const payload = JSON.parse(cipher.decrypt(decodeURIComponent(cookie.value))) as {
          expiresAt: number;
        };
        expect(payload.expiresAt).toBe(Date.UTC(2026, 5, 1) + 600_000);
        vi.setSystemTime(Date.UTC(2026, 5, 1) + 600_000);
        expectRefused(await callback(store, cookie.value, state), AtlassianErrorCode.StateExpired);
      } finally {
        vi.useRealTimers();
      }
    });

    it('forgets used states once they expire, and still refuses them as expired', async () => {
      const { store, clock } = storeWithClock({ maxAgeSeconds: 60 });
      const first = login(store, 'v');
      expect((await callback(store, first.cookie.value, first.state)).err).toBeNull();
      clock.nowMs += 61_000;
      expectRefused(
        await callback(store, first.cookie.value, first.state),
        AtlassianErrorCode.StateExpired,
      );
    });
  });

  describe('clear()', () => {
    it('expires the cookie only when the browser sent one', async () => {
      const { store } = storeWithClock();
      const withCookie = fakeRequest(`${NAME}=abc`);
      store.clear(withCookie.req);
      expect(parseSetCookie(withCookie.setCookies)[0]).toMatchObject({
        name: NAME,
        value: '',
        maxAge: 0,
        path: SETTINGS.path,
      });
      const without = fakeRequest('other=1');
      store.clear(without.req);
      expect(without.setCookies).toEqual([]);
    });
  });

  it('needs the response the sign-in guard binds to the request', async () => {
    const { store } = storeWithClock();
    const req: AppRequest = { method: 'GET', url: '/auth/atlassian', headers: {} };
    expect(() => store.store(req, undefined, undefined, {}, () => undefined)).toThrow(
      /behind AtlassianAuthGuard or BitbucketAuthGuard/,
    );
  });
});
