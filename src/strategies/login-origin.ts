import { parse as parseCookies } from 'cookie';
import type { AppRequest } from '../http/app-request.interface.js';
import { signInResponseOf } from '../http/sign-in-response.js';
import { pathAndQuery } from './sign-in-request.js';

/** How long the "already redirected once" marker lives, in seconds: one hop, not a session. */
const HOP_MAX_AGE_SECONDS = 60;

/**
 * The state cookie is set on the host the browser used for the login route, but only sent back to the
 * callback URL's host: a login opened on another host (127.0.0.1 for localhost, a proxy's internal name)
 * would end in `oauth_state_cookie_missing`. Such a login is first sent to the same path and query on the
 * callback's origin, before any state cookie exists.
 *
 * The request counts as on the right host when its `Host`, `X-Forwarded-Host` or `Forwarded: host=`
 * names the callback's host (the redirect target is always the configured origin, so these headers only
 * decide whether to redirect). A proxy that rewrites `Host` and forwards none of them would loop: a
 * short-lived marker cookie lets the second visit through.
 *
 * @returns the URL to redirect to, or `undefined` to go on with the sign-in.
 */
export function wrongHostRedirect(
  req: AppRequest,
  callbackURL: URL,
  hopCookieName: string,
): string | undefined {
  const hosts = requestHosts(req, callbackURL.protocol);
  if (hosts.length === 0 || hosts.includes(callbackURL.host.toLowerCase())) return undefined;
  const header = req.headers.cookie;
  const response = signInResponseOf(req);
  const hop = { name: hopCookieName, path: requestPathOnly(req) };
  if (header && parseCookies(header)[hopCookieName] === '1') {
    writeHopCookie(() => response.clearCookie(hop));
    return undefined;
  }
  writeHopCookie(() => response.setCookie(hop, '1', HOP_MAX_AGE_SECONDS));
  return `${callbackURL.origin}${pathAndQuery(req)}`;
}

/** Every host the request claims to be for, normalised (lowercase, default port dropped). */
function requestHosts(req: AppRequest, protocol: string): string[] {
  const header = (name: string) => {
    const value = req.headers[name];
    return (Array.isArray(value) ? value.join(',') : (value ?? '')).split(',')[0].trim();
  };
  const forwarded = /(?:^|[;,\s])host="?([^";,\s]+)/i.exec(header('forwarded'))?.[1] ?? '';
  return [header('host'), header('x-forwarded-host'), forwarded]
    .filter((host) => host !== '')
    .flatMap((host) => {
      try {
        return [new URL(`${protocol}//${host}`).host.toLowerCase()];
      } catch {
        return [];
      }
    });
}

function requestPathOnly(req: AppRequest): string {
  return pathAndQuery(req).split('?')[0] || '/';
}

function writeHopCookie(write: () => void): void {
  try {
    write();
  } catch (err) {
    // A path the cookie syntax cannot carry: no marker, at worst one more redirect.
    if (!(err instanceof TypeError)) throw err;
  }
}
