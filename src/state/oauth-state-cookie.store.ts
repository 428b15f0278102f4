import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { parse as parseCookies } from 'cookie';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError } from '../errors/oauth-callback.error.js';
import type { TokenCipher } from '../crypto/token-cipher.js';
import type { AppRequest } from '../http/app-request.interface.js';
import { signInResponseOf } from '../http/sign-in-response.js';
import type { OAuthFlowState } from './oauth-flow-state.interface.js';
import { UsedStateRegistry } from './used-state.registry.js';

interface CookiePayload extends OAuthFlowState {
  /** The `state` parameter sent to the provider. */
  state: string;
  /** PKCE code verifier, when PKCE is on. */
  verifier?: string;
  /** Expiry, epoch ms. */
  expiresAt: number;
}

const VERIFIED_FLOW = Symbol('nestjs-atlassian verified flow');

/** The flow that the state store verified for this callback request; sign-in when none was recorded. */
export function verifiedFlowOf(req: AppRequest): OAuthFlowState {
  return (
    (req as unknown as Record<symbol, OAuthFlowState | undefined>)[VERIFIED_FLOW] ?? {
      mode: 'sign-in',
    }
  );
}

type StoreCallback = (err: Error | null, state?: string) => void;
type VerifyCallback = (err: Error | null, ok?: string | boolean, state?: OAuthFlowState) => void;

/** Settings of one provider's state cookie. */
export interface StateCookieSettings {
  name: string;
  maxAgeSeconds: number;
  secure: boolean;
  /** Cookie path: the callback's path, so the cookie is never sent anywhere else. */
  path: string;
  /** The callback URL's origin, named when the cookie is missing (a login on another host is a cause). */
  callbackOrigin?: string;
  /** Throws when a verified flow must not complete (e.g. a link finished by another user). */
  assertFlow?: (req: AppRequest, flow: OAuthFlowState) => void | Promise<void>;
}

/**
 * passport-oauth2 state store that keeps state, PKCE verifier and flow data in one encrypted,
 * authenticated, httpOnly cookie, so no server-side session is needed. A state is good once: the
 * cookie is cleared at the callback, and states seen by this process are remembered until they expire.
 */
export class OAuthStateCookieStore {
  private readonly used = new UsedStateRegistry();

  constructor(
    private readonly cipher: TokenCipher,
    private readonly settings: StateCookieSettings,
    // Read at each call, not captured at construction, so that a replaced clock (fake timers) is seen.
    private readonly now: () => number = () => Date.now(),
  ) {}

  /** passport-oauth2 calls this at the login route (arity 5: PKCE verifier included). */
  store(
    req: AppRequest,
    verifier: string | undefined,
    flow: OAuthFlowState | undefined,
    _meta: unknown,
    callback: StoreCallback,
  ): void {
    const state = randomBytes(32).toString('base64url');
    const payload: CookiePayload = {
      mode: 'sign-in',
      ...flow,
      state,
      verifier,
      expiresAt: this.now() + this.settings.maxAgeSeconds * 1000,
    };
    signInResponseOf(req).setCookie(
      this.settings,
      this.cipher.encrypt(JSON.stringify(payload)),
      this.settings.maxAgeSeconds,
    );
    callback(null, state);
  }

  /** passport-oauth2 calls this at the callback; it answers the PKCE verifier (or `true`) and the flow. */
  verify(req: AppRequest, providedState: string | undefined, callback: VerifyCallback): void {
    let payload: CookiePayload;
    try {
      payload = this.take(req, providedState);
    } catch (err) {
      return callback(err as Error);
    }
    const flow: OAuthFlowState = {
      mode: payload.mode,
      linkUserId: payload.linkUserId,
      returnTo: payload.returnTo,
    };
    // Checked before the code is exchanged, so a refused flow never obtains tokens.
    Promise.resolve(this.settings.assertFlow?.(req, flow)).then(
      () => {
        (req as unknown as Record<symbol, OAuthFlowState>)[VERIFIED_FLOW] = flow;
        callback(null, payload.verifier ?? true, flow);
      },
      (err: Error) => callback(err),
    );
  }

  /** Clears the cookie, e.g. when the provider sent the user back with an error. */
  clear(req: AppRequest): void {
    if (this.readCookie(req) !== undefined) signInResponseOf(req).clearCookie(this.settings);
  }

  private take(req: AppRequest, providedState: string | undefined): CookiePayload {
    const raw = this.readCookie(req);
    if (raw === undefined) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.StateCookieMissing,
        `The sign-in cookie is missing: it expired, cookies are blocked, the callback was opened in another browser, or the sign-in started on another host than the callback URL's${this.settings.callbackOrigin ? ` (${this.settings.callbackOrigin})` : ''}, e.g. 127.0.0.1 instead of localhost, so the cookie was set where the callback cannot read it. Start the sign-in again${this.settings.callbackOrigin ? ` from ${this.settings.callbackOrigin}` : ''}.`,
      );
    }
    signInResponseOf(req).clearCookie(this.settings);
    let payload: CookiePayload;
    try {
      payload = JSON.parse(this.cipher.decrypt(raw)) as CookiePayload;
    } catch (cause) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.StateInvalid,
        'The sign-in cookie was altered or made with another key. Start the sign-in again.',
        400,
        { cause },
      );
    }
    if (!sameState(providedState, payload.state)) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.StateMismatch,
        "The state parameter is missing or does not match this browser's sign-in. Start the sign-in again.",
      );
    }
    if (payload.expiresAt <= this.now()) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.StateExpired,
        `The sign-in took longer than ${this.settings.maxAgeSeconds} seconds. Start the sign-in again.`,
      );
    }
    if (!this.used.claim(payload.state, payload.expiresAt, this.now())) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.StateReplayed,
        'This sign-in callback was already used. Start the sign-in again.',
      );
    }
    return payload;
  }

  private readCookie(req: AppRequest): string | undefined {
    const header = req.headers.cookie;
    const value = header ? parseCookies(header)[this.settings.name] : undefined;
    return value === '' ? undefined : value;
  }
}

/** Compares the returned state with the cookie's in constant time (hashes first, so lengths leak nothing). */
function sameState(provided: unknown, expected: string): boolean {
  if (typeof provided !== 'string' || provided === '' || typeof expected !== 'string') return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(provided), digest(expected));
}
