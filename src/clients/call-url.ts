import { withQuery, type QueryValue } from './pagination.js';

/** What a call names: a path under the product's base (`/rest/api/3/…`, a relative paging link) or an absolute URL. */
const ABSOLUTE = /^[a-z][a-z\d+.-]*:/i;

/** Why {@link callURL} refused a URL: it would carry the token elsewhere than the product's API. */
export interface ForeignURL {
  /** The origin and path it named (never its query, which may carry data). */
  named: string;
  /** What the client may call: its base URL and everything under it. */
  allowed: string;
}

/**
 * The URL of a call, or why it would send the token somewhere else. A path resolves against the
 * product's base (`https://api.atlassian.com/ex/jira/{cloudId}` + `/rest/api/3/…`, as Confluence's
 * relative `_links.next` expects); an absolute URL (Jira's `nextPage`, Bitbucket's `next`) must have
 * the base's origin and stay under its path once dot segments are resolved, so a link to another host,
 * scheme, port or site never gets the bearer header.
 */
export function callURL(
  baseURL: string,
  pathOrUrl: string,
  query?: Record<string, QueryValue>,
): URL | ForeignURL {
  const base = new URL(baseURL);
  const basePath = base.pathname.replace(/\/$/, '');
  const joined = ABSOLUTE.test(pathOrUrl)
    ? pathOrUrl
    : pathOrUrl.startsWith('//')
      ? `${base.protocol}${pathOrUrl}` // protocol-relative: names a host, as a browser reads it
      : `${base.origin}${basePath}${pathOrUrl.startsWith('/') ? '' : '/'}${pathOrUrl}`;
  let url: URL;
  try {
    url = new URL(withQuery(joined, query));
  } catch {
    return { named: pathOrUrl.split('?')[0].slice(0, 200), allowed: `${base.origin}${basePath}/` };
  }
  const underBase =
    url.origin === base.origin &&
    (basePath === '' || url.pathname === basePath || url.pathname.startsWith(`${basePath}/`));
  if (underBase && url.username === '' && url.password === '') return url;
  return { named: `${url.origin}${url.pathname}`, allowed: `${base.origin}${basePath}/` };
}
