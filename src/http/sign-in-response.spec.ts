import { AbstractHttpAdapter } from '@nestjs/core';
import { parse as parseSetCookie } from 'set-cookie-parser';
import { describe, expect, it } from 'vitest';
import { SignInResponse, type SignInHttpAdapter } from './sign-in-response.js';

/** An adapter that records each `Set-Cookie`; with Nest 12.1's own `setCookie`/`clearCookie`, or without (Nest 11). */
function recordingAdapter(nestCookies: boolean) {
  const setCookies: string[] = [];
  const adapter: SignInHttpAdapter = {
    appendHeader(_response: unknown, name: string, value: string) {
      expect(name).toBe('Set-Cookie');
      setCookies.push(value);
    },
    setHeader: () => undefined,
    reply: () => undefined,
    ...(nestCookies && {
      setCookie: AbstractHttpAdapter.prototype.setCookie,
      clearCookie: AbstractHttpAdapter.prototype.clearCookie,
    }),
  };
  return { adapter, setCookies };
}

/** The cookies each kind of adapter sends for the same calls, parsed. */
function sentCookies(write: (response: SignInResponse) => void) {
  return [true, false].map((nestCookies) => {
    const { adapter, setCookies } = recordingAdapter(nestCookies);
    write(new SignInResponse(adapter, {}));
    return parseSetCookie(setCookies, { decodeValues: false });
  });
}

describe('SignInResponse', () => {
  const cookie = { name: 'nestjs_atlassian_oauth_atlassian', path: '/auth/atlassian/callback' };

  it('sets the same cookie through Nest 12.1 setCookie as through a Set-Cookie header (Nest 11)', () => {
    const [withNest, without] = sentCookies((response) => {
      response.setCookie({ ...cookie, secure: true }, 'v1.a:b/c+d=', 600);
      response.setCookie({ ...cookie, name: 'hop' }, '1', 60);
    });
    expect(without).toEqual(withNest);
    expect(withNest).toEqual([
      {
        name: cookie.name,
        value: encodeURIComponent('v1.a:b/c+d='),
        path: cookie.path,
        maxAge: 600,
        httpOnly: true,
        secure: true,
        sameSite: 'Lax',
      },
      { name: 'hop', value: '1', path: cookie.path, maxAge: 60, httpOnly: true, sameSite: 'Lax' },
    ]);
  });

  it('clears a cookie alike on both, expired at once on its own path', () => {
    const [withNest, without] = sentCookies((response) => response.clearCookie(cookie));
    expect(without).toEqual(withNest);
    expect(withNest).toEqual([
      {
        name: cookie.name,
        value: '',
        path: cookie.path,
        maxAge: 0,
        expires: new Date(0),
        httpOnly: true,
        sameSite: 'Lax',
      },
    ]);
  });

  it('refuses a path that cannot be a cookie attribute, on both, with a TypeError', () => {
    for (const nestCookies of [true, false]) {
      const response = new SignInResponse(recordingAdapter(nestCookies).adapter, {});
      expect(() => response.setCookie({ ...cookie, path: '/a;b' }, '1', 60)).toThrow(TypeError);
    }
  });
});
