/** Fetches one page given the query of that page (or, for link-style paging, the next link). */
export type PageFetcher = <T>(pathOrUrl: string, query?: Record<string, QueryValue>) => Promise<T>;

/** A query parameter value; arrays repeat the parameter. */
export type QueryValue = string | number | boolean | undefined | null | Array<string | number>;

/** Jira's offset paging: `startAt`, `maxResults`, `isLast` or `total`, items under `itemsKey` (default `values`). */
export async function* paginateOffset<T>(
  fetchPage: PageFetcher,
  path: string,
  query: Record<string, QueryValue> = {},
  itemsKey = 'values',
): AsyncGenerator<T> {
  let startAt = Number(query.startAt ?? 0);
  for (;;) {
    // The caller's parameter names, which merged() must not take; once per page, beside a request.
    // oxlint-disable-next-line nestjs-atlassian/no-spread-then-properties
    const page = await fetchPage<Record<string, unknown>>(path, { ...query, startAt });
    const items = (page[itemsKey] as T[] | undefined) ?? [];
    yield* items;
    startAt += items.length;
    const total = typeof page.total === 'number' ? page.total : undefined;
    if (items.length === 0 || page.isLast === true || (total !== undefined && startAt >= total))
      return;
  }
}

/** Jira's token paging (`/search/jql`): `nextPageToken` until absent, items under `itemsKey` (default `issues`). */
export async function* paginateToken<T>(
  fetchPage: PageFetcher,
  path: string,
  query: Record<string, QueryValue> = {},
  itemsKey = 'issues',
): AsyncGenerator<T> {
  let nextPageToken: string | undefined;
  do {
    // The caller's parameter names, as above.
    // oxlint-disable-next-line nestjs-atlassian/no-spread-then-properties
    const page = await fetchPage<Record<string, unknown>>(path, { ...query, nextPageToken });
    yield* (page[itemsKey] as T[] | undefined) ?? [];
    nextPageToken =
      typeof page.nextPageToken === 'string' && page.isLast !== true
        ? page.nextPageToken
        : undefined;
  } while (nextPageToken);
}

/**
 * Link paging: Confluence v2 (`results`, `_links.next` relative to the site) and Bitbucket
 * (`values`, absolute `next`). The fetcher resolves the link against the product's base.
 */
export async function* paginateLinks<T>(
  fetchPage: PageFetcher,
  path: string,
  query: Record<string, QueryValue> = {},
): AsyncGenerator<T> {
  let page = await fetchPage<Record<string, any>>(path, query);
  for (;;) {
    yield* (page.results ?? page.values ?? []) as T[];
    const next: unknown = page._links?.next ?? page.next;
    if (typeof next !== 'string' || next === '') return;
    page = await fetchPage<Record<string, any>>(next);
  }
}

/** Appends a query to a path or URL that may already have one; `undefined` and `null` are left out. */
export function withQuery(pathOrUrl: string, query: Record<string, QueryValue> = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null) continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  if (text === '') return pathOrUrl;
  return `${pathOrUrl}${pathOrUrl.includes('?') ? '&' : '?'}${text}`;
}
