import type { EmulatorRequest } from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import { bitbucketError } from './bitbucket-api-access.js';

/** Page size when the request names none. */
export const BITBUCKET_DEFAULT_PAGELEN = 10;

/** The largest `pagelen` accepted. */
export const BITBUCKET_MAX_PAGELEN = 100;

/**
 * Answer one page of `values` in Bitbucket's envelope `{ pagelen, size, values, page, next?, previous? }`,
 * by the `page` (from 1) and `pagelen` query parameters. `next` is an absolute URL on the host the client
 * called, with its other query parameters kept, so a client that follows `next` stays on the emulator.
 */
export function bitbucketPage<T>(values: readonly T[], request: EmulatorRequest): EmulatorResponse {
  const page = positiveInteger(request.query.get('page'), 1);
  if (page === undefined) return bitbucketError(400, 'Invalid page');
  const pagelen = positiveInteger(request.query.get('pagelen'), BITBUCKET_DEFAULT_PAGELEN);
  if (pagelen === undefined || pagelen > BITBUCKET_MAX_PAGELEN)
    return bitbucketError(400, 'Invalid pagelen');
  const start = (page - 1) * pagelen;
  return json(200, {
    pagelen,
    size: values.length,
    values: values.slice(start, start + pagelen),
    page,
    ...(start + pagelen < values.length ? { next: pageUrl(request, page + 1) } : {}),
    ...(page > 1 ? { previous: pageUrl(request, page - 1) } : {}),
  });
}

function positiveInteger(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  const value = Number(raw);
  return /^\d+$/.test(raw) && value >= 1 ? value : undefined;
}

function pageUrl(request: EmulatorRequest, page: number): string {
  const url = new URL(request.path, `http://${request.headers.host ?? '127.0.0.1'}`);
  for (const [key, value] of request.query) url.searchParams.set(key, value);
  url.searchParams.set('page', String(page));
  return url.toString();
}
