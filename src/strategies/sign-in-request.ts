import type { AppRequest } from '../http/app-request.interface.js';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError } from '../errors/oauth-callback.error.js';

/** Longest returnTo kept, in UTF-8 bytes: it travels in the state cookie, which browsers cap at 4 KB. */
export const RETURN_TO_MAX_BYTES = 2048;

/** Longest provider- or URL-supplied text quoted in an error message, in characters. */
const UNTRUSTED_TEXT_MAX = 200;

/** What a message or a path must never carry (a header injection, a log forgery). */
// oxlint-disable-next-line no-control-regex -- control characters are exactly what this matches
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/g;

/** The request's path, as the app received it (no query; an absolute-form target reduced to its path). */
export function requestPath(req: AppRequest): string {
  return pathAndQuery(req).split('?')[0];
}

/** The request target's path and query, exactly as sent. */
export function pathAndQuery(req: AppRequest): string {
  const target = req.originalUrl ?? req.url ?? '/';
  if (target.startsWith('/')) return target;
  try {
    const url = new URL(target);
    return url.pathname + url.search;
  } catch {
    return '/';
  }
}

/**
 * Whether a request path is the callback's: equal ignoring case and trailing slashes (as Express routes
 * match), or the callback path's tail from a segment boundary on (a proxy that strips a path prefix).
 */
export function isCallbackPath(path: string, callbackPath: string): boolean {
  const normalize = (value: string) => value.toLowerCase().replace(/\/+$/, '');
  const request = normalize(path);
  const callback = normalize(callbackPath);
  return request === callback || (request !== '' && callback.endsWith(request));
}

/** A query parameter given at most once as a string; a repeated or structured one is refused. */
export function singleParam(query: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  if (value === undefined || typeof value === 'string') return value;
  throw new OAuthCallbackError(
    AtlassianErrorCode.InvalidRequest,
    `The "${name}" parameter must be given once, as plain text. Start the sign-in again from the app.`,
  );
}

/**
 * Text that came from a provider or a URL, made safe to put in a message: control characters dropped,
 * at most 200 characters, quoted. Callers label it as unverified.
 */
export function quoteUntrusted(text: string, maxLength = UNTRUSTED_TEXT_MAX): string {
  const clean = text.replace(CONTROL_CHARACTERS, ' ');
  return JSON.stringify(clean.length > maxLength ? `${clean.slice(0, maxLength)}…` : clean);
}

/**
 * Only same-site relative paths, at most {@link RETURN_TO_MAX_BYTES}: anything else would make the login
 * route an open redirect or overflow the cookie. Control characters are refused too: URL parsers drop
 * tabs and newlines, so `/\t/evil.com` means `//evil.com`.
 */
export function safeReturnTo(value: string | undefined): string | undefined {
  return value !== undefined &&
    /^\/(?![/\\])/.test(value) &&
    !new RegExp(CONTROL_CHARACTERS.source).test(value) &&
    Buffer.byteLength(value) <= RETURN_TO_MAX_BYTES
    ? value
    : undefined;
}
