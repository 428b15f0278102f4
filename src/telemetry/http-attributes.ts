import type { Attributes } from '@opentelemetry/api';
import { Attr } from './telemetry-names.js';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);
/** Path segments a template keeps: words (`search`, `accessible-resources`) and API versions (`3`, `2.0`, `v2`). */
const WORD = /^[a-z][a-z_-]*$/;
const VERSION = /^v?\d(?:\.\d)?$/;

/** `http.request.method` as the semantic conventions want it: a known method, else `_OTHER`. */
export function httpMethod(method: string | undefined): string {
  const upper = (method ?? 'GET').toUpperCase();
  return KNOWN_METHODS.has(upper) ? upper : '_OTHER';
}

/** `server.address`, `server.port` and `url.scheme` of a URL. */
export function serverAttributes(url: URL): Attributes {
  const scheme = url.protocol.replace(/:$/, '');
  return {
    [Attr.ServerAddress]: url.hostname,
    [Attr.ServerPort]: url.port === '' ? (scheme === 'https' ? 443 : 80) : Number(url.port),
    [Attr.UrlScheme]: scheme,
  };
}

/**
 * A low-cardinality template of a path, for `url.template` and span names: words and API versions
 * are kept, any other segment (an id, a key, a cloudId, a name, an email) becomes `{id}`. The query
 * is never part of it: JQL and CQL carry user data.
 */
export function urlTemplate(pathname: string): string {
  return pathname
    .split('/')
    .map((segment) =>
      segment === '' || WORD.test(segment) || VERSION.test(segment) ? segment : '{id}',
    )
    .join('/');
}
