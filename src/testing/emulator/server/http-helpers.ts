import type { IncomingMessage } from 'node:http';

/** Request bodies above this size are refused (413): nothing the emulator serves needs more. */
export const MAX_BODY_BYTES = 1024 * 1024;

/** An answer a route handler returns; the server writes it. */
export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** A request body reduced to its string fields. */
export interface ParsedBody {
  fields: Record<string, string>;
  /** A JSON object body as parsed, nested values included (product routes read it). */
  value?: Record<string, unknown>;
  encoding?: 'json' | 'form';
  /** Why the body could not be read, when it could not. */
  error?: string;
}

/** Answer with a JSON body. */
export function json(
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): EmulatorResponse {
  return {
    status,
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(value),
  };
}

/** Answer with an HTML page. */
export function html(status: number, markup: string): EmulatorResponse {
  return { status, headers: { 'content-type': 'text/html; charset=utf-8' }, body: markup };
}

/** Answer with a 302 to `location`. */
export function redirect(location: string): EmulatorResponse {
  return { status: 302, headers: { location, 'cache-control': 'no-store' }, body: '' };
}

/** Append parameters with %20 for spaces, as Atlassian does (URLSearchParams would write '+'); undefined values are left out. */
export function withQuery(base: string, params: Record<string, string | undefined>): string {
  const encoded = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([key, value]) => `${key}=${encodeURIComponent(value)}`);
  return `${base}${base.includes('?') ? '&' : '?'}${encoded.join('&')}`;
}

/** Read the whole body as text, or fail with 'too-large'. */
export function readBodyText(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data');
        reject(new Error('too-large'));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
    // A connection cut mid-body never emits 'end'; settle so the handler does not hang.
    req.on('close', () => reject(new Error('aborted')));
  });
}

/** Parse a JSON or form body; only string fields are kept, as a token endpoint would read them. */
export function parseBody(contentType: string | undefined, text: string): ParsedBody {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType === 'application/x-www-form-urlencoded') {
    return { fields: Object.fromEntries(new URLSearchParams(text)), encoding: 'form' };
  }
  if (mediaType === 'application/json') {
    try {
      const value: unknown = JSON.parse(text);
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        throw new Error('not an object');
      const fields = Object.entries(value).filter(
        (entry): entry is [string, string] => typeof entry[1] === 'string',
      );
      return {
        fields: Object.fromEntries(fields),
        value: value as Record<string, unknown>,
        encoding: 'json',
      };
    } catch {
      return { fields: {}, encoding: 'json', error: 'Request body is not a JSON object' };
    }
  }
  if (text.length === 0) return { fields: {} };
  return { fields: {}, error: `Unsupported Content-Type "${mediaType}"` };
}

/** Client credentials from an `Authorization: Basic` header, if present and well formed. */
export function basicCredentials(
  authorization: string | undefined,
): { id: string; secret: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
  if (!match) return undefined;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  // RFC 6749 2.3.1: both halves are form-encoded before base64.
  const unescape = (part: string): string => decodeURIComponent(part.replace(/\+/g, ' '));
  try {
    return { id: unescape(decoded.slice(0, colon)), secret: unescape(decoded.slice(colon + 1)) };
  } catch {
    return undefined;
  }
}

/** The token of an `Authorization: Bearer` header, if present. */
export function bearerToken(authorization: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(authorization ?? '')?.[1];
}

/** Escape text for HTML element content and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
