import { json } from '../server/http-helpers.js';
import { answer, integerParam } from './product-answers.js';
import type { ProductCall, ProductEndpoint } from './product-endpoint.js';

/** The Confluence REST API v2 endpoints the emulator serves. */
export const CONFLUENCE_ENDPOINTS: readonly ProductEndpoint[] = [
  {
    product: 'confluence',
    method: 'GET',
    path: '/wiki/api/v2/spaces',
    scopes: ['read:confluence-space.summary', 'read:space:confluence'],
    handle: spaces,
  },
];

function spaces({ granted: { site }, request: { query } }: ProductCall) {
  const limit = integerParam(query.get('limit'), 25, 1, 250);
  const offset = integerParam(decodeCursor(query.get('cursor')), 0, 0, Number.MAX_SAFE_INTEGER);
  const page = site.spaces.slice(offset, offset + limit);
  const results = page.map(({ id, key, name }) => ({ id, key, name, type: 'global' }));
  const nextOffset = offset + page.length;
  const links: Record<string, string> = {};
  if (nextOffset < site.spaces.length) {
    const cursor = Buffer.from(String(nextOffset)).toString('base64url');
    links.next = `/wiki/api/v2/spaces?cursor=${cursor}&limit=${limit}`;
  }
  return answer(json(200, { results, _links: links }), results.length);
}

function decodeCursor(cursor: string | null): string | null {
  return cursor === null ? null : Buffer.from(cursor, 'base64url').toString('utf8');
}
