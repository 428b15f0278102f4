import { traceTokenRequest, type SendRequest } from '../telemetry/token-request-telemetry.js';
import { merged } from '../common/merged.js';
import { sendHttpExchange, type HttpAnswer, type HttpExchange } from './http-exchange.js';

/** Why a call to a provider failed: `refused` means the provider said no; `transient` may succeed later. */
export type ProviderFailureKind = 'refused' | 'transient';

/** A provider call that failed; carries the status and the provider's error code, never a token. */
export class ProviderHttpError extends Error {
  /** What the provider's `Retry-After` asked for, in ms, when it sent one. */
  readonly retryAfterMs: number | undefined;
  /** OAuth `error_description` when the body had one (provider text, never a token). */
  readonly oauthErrorDescription: string | undefined;

  constructor(
    readonly kind: ProviderFailureKind,
    /** HTTP status, or `undefined` for a network error or timeout. */
    readonly status: number | undefined,
    /** OAuth `error` field (e.g. `invalid_grant`) when the body had one. */
    readonly oauthError: string | undefined,
    message: string,
    options?: { cause?: unknown; retryAfterMs?: number; oauthErrorDescription?: string },
  ) {
    super(message, options);
    this.retryAfterMs = options?.retryAfterMs;
    this.oauthErrorDescription = options?.oauthErrorDescription;
    this.name = 'ProviderHttpError';
  }
}

/** How a token request authenticates the client and encodes its body. */
export interface TokenRequestStyle {
  /** `json` (Atlassian's documented form) or `form` (RFC 6749, Bitbucket). */
  bodyEncoding: 'json' | 'form';
  /** Send client_id:secret as HTTP Basic instead of in the body (Bitbucket). */
  basicAuth: boolean;
}

/** POSTs a token request and returns the parsed JSON; throws {@link ProviderHttpError} on any failure. */
export async function postTokenRequest(
  url: string,
  params: Record<string, string>,
  client: { provider: string; clientId: string; clientSecret: string },
  style: TokenRequestStyle,
  timeoutMs: number,
): Promise<Record<string, unknown>> {
  const headers: Record<string, string> = { accept: 'application/json' };
  let body: Record<string, string> = params;
  if (style.basicAuth) {
    headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  } else {
    body = merged(params, { client_id: client.clientId, client_secret: client.clientSecret });
  }
  headers['content-type'] =
    style.bodyEncoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  const encoded =
    style.bodyEncoding === 'json' ? JSON.stringify(body) : new URLSearchParams(body).toString();
  return traceTokenRequest(client.provider, params.grant_type, url, (send) =>
    requestJson(url, { method: 'POST', headers, body: encoded }, timeoutMs, 'token endpoint', send),
  );
}

/** GETs a JSON resource with a bearer token; throws {@link ProviderHttpError} on any failure. */
export async function getJsonWithBearer<T>(
  url: string,
  accessToken: string,
  timeoutMs: number,
): Promise<T> {
  const headers = { accept: 'application/json', authorization: `Bearer ${accessToken}` };
  return requestJson(
    url,
    { method: 'GET', headers },
    timeoutMs,
    new URL(url).pathname,
  ) as Promise<T>;
}

async function requestJson(
  url: string,
  exchange: Omit<HttpExchange, 'timeoutMs'>,
  timeoutMs: number,
  what: string,
  send: SendRequest = sendHttpExchange,
): Promise<any> {
  let response: HttpAnswer;
  try {
    response = await send(url, merged(exchange, { timeoutMs }));
  } catch (cause) {
    const reason =
      (cause as Error)?.name === 'TimeoutError'
        ? `timed out after ${timeoutMs} ms`
        : 'could not be reached';
    throw new ProviderHttpError('transient', undefined, undefined, `${what} ${reason}`, { cause });
  }
  const text = await response.text().catch(() => '');
  const json = parseJson(text);
  if (response.ok && json !== undefined) return json;
  const oauthError = typeof json?.error === 'string' ? json.error : undefined;
  // 5xx, 429 and unreadable 2xx can succeed later; any other 4xx is the provider saying no.
  const transient = response.ok || response.status >= 500 || response.status === 429;
  const description =
    typeof json?.error_description === 'string' ? json.error_description : undefined;
  const detail =
    description !== undefined ? `: ${description}` : oauthError ? `: ${oauthError}` : '';
  throw new ProviderHttpError(
    transient ? 'transient' : 'refused',
    response.status,
    oauthError,
    `${what} answered ${response.status}${detail}`,
    {
      retryAfterMs: parseRetryAfterMs(response.headers.get('retry-after')),
      oauthErrorDescription: description,
    },
  );
}

/** `Retry-After` is either delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfterMs(header: string | null, now = Date.now()): number | undefined {
  if (header === null || header.trim() === '') return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

function parseJson(text: string): any {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
