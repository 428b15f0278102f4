import type { CookieSerializeOptions } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { serialize as serializeCookie } from 'cookie';
import type { AppRequest } from './app-request.interface.js';

/**
 * What this module needs of Nest's HTTP adapter. `setCookie` and `clearCookie` came in Nest 12.1;
 * the others are on every adapter of Nest 11 and 12, Express and Fastify alike.
 */
export type SignInHttpAdapter = Pick<AbstractHttpAdapter, 'appendHeader' | 'setHeader' | 'reply'> &
  Partial<Pick<AbstractHttpAdapter, 'setCookie' | 'clearCookie'>>;

/** A cookie of the sign-in routes: httpOnly, SameSite=Lax, limited to one path. */
export interface SignInCookie {
  name: string;
  path: string;
  secure?: boolean;
}

const SIGN_IN_RESPONSE = Symbol('nestjs-atlassian sign-in response');

/**
 * The response of a sign-in route, written through Nest's HTTP adapter so that the same code answers
 * on Express and on Fastify (passport's own redirect calls `res.setHeader`, which a Fastify reply lacks).
 * The guard binds it to the request, since passport hands strategies the request only.
 */
export class SignInResponse {
  constructor(
    private readonly adapter: SignInHttpAdapter,
    private readonly response: unknown,
  ) {}

  /** Sets `cookie` to `value` for `maxAgeSeconds`; throws a `TypeError` when the path cannot be a cookie's. */
  setCookie(cookie: SignInCookie, value: string, maxAgeSeconds: number): void {
    const options = { ...cookieAttributes(cookie), maxAge: maxAgeSeconds };
    if (this.adapter.setCookie) this.adapter.setCookie(this.response, cookie.name, value, options);
    else this.appendSetCookie(serializeCookie(cookie.name, value, options));
  }

  /** Tells the browser to drop `cookie` (same name and path). */
  clearCookie(cookie: SignInCookie): void {
    const options = cookieAttributes(cookie);
    if (this.adapter.clearCookie) this.adapter.clearCookie(this.response, cookie.name, options);
    else
      this.appendSetCookie(
        serializeCookie(cookie.name, '', { ...options, maxAge: 0, expires: new Date(0) }),
      );
  }

  /** Redirects with an empty body, as passport does (Express's own redirect would add a text body). */
  redirect(url: string, status = 302): void {
    this.adapter.setHeader(this.response, 'Location', url);
    this.adapter.reply(this.response, undefined, status);
  }

  private appendSetCookie(header: string): void {
    this.adapter.appendHeader(this.response, 'Set-Cookie', header);
  }
}

function cookieAttributes(cookie: SignInCookie): CookieSerializeOptions {
  return { httpOnly: true, sameSite: 'lax', secure: cookie.secure ?? false, path: cookie.path };
}

/** Makes `response` the one the strategy and the state store write to for `req`. */
export function bindSignInResponse(req: AppRequest, response: SignInResponse): void {
  (req as unknown as Record<symbol, SignInResponse>)[SIGN_IN_RESPONSE] = response;
}

/** The response bound to `req` by the sign-in guard. */
export function signInResponseOf(req: AppRequest): SignInResponse {
  const response = (req as unknown as Record<symbol, SignInResponse | undefined>)[SIGN_IN_RESPONSE];
  if (!response)
    throw new Error(
      'The Atlassian and Bitbucket strategies run only behind AtlassianAuthGuard or BitbucketAuthGuard: put that guard on the login and callback routes.',
    );
  return response;
}
