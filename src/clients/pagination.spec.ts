import { describe, expect, it } from 'vitest';
import {
  paginateLinks,
  paginateOffset,
  paginateToken,
  withQuery,
  type PageFetcher,
  type QueryValue,
} from './pagination.js';

/** A fetcher over an in-memory list that records every page it served. */
function pages(
  total: number,
  serve: (items: number[], query: Record<string, QueryValue>, path: string) => unknown,
) {
  const items = Array.from({ length: total }, (_, i) => i);
  const calls: Array<{ path: string; query?: Record<string, QueryValue> }> = [];
  const fetcher: PageFetcher = async <T>(path: string, query?: Record<string, QueryValue>) => {
    calls.push({ path, query });
    return serve(items, query ?? {}, path) as T;
  };
  return { fetcher, calls };
}

async function collect<T>(iterator: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterator) out.push(item);
  return out;
}

describe('paging helpers', () => {
  it('offset paging (Jira startAt/maxResults/isLast) yields 250 items once each', async () => {
    const { fetcher, calls } = pages(250, (items, query) => {
      const startAt = Number(query.startAt);
      const values = items.slice(startAt, startAt + 50);
      return { startAt, maxResults: 50, values, isLast: startAt + values.length >= items.length };
    });
    const seen = await collect(
      paginateOffset<number>(fetcher, '/rest/api/3/project/search', { maxResults: 50 }),
    );
    expect(seen).toEqual(Array.from({ length: 250 }, (_, i) => i));
    expect(calls.map((c) => c.query!.startAt)).toEqual([0, 50, 100, 150, 200]);
  });

  it('offset paging stops on total when isLast is absent', async () => {
    const { fetcher, calls } = pages(120, (items, query) => ({
      total: items.length,
      values: items.slice(Number(query.startAt), Number(query.startAt) + 40),
    }));
    expect(await collect(paginateOffset<number>(fetcher, '/x'))).toHaveLength(120);
    expect(calls).toHaveLength(3);
  });

  it('token paging (Jira nextPageToken) yields 250 issues once each', async () => {
    const { fetcher, calls } = pages(250, (items, query) => {
      const start = query.nextPageToken ? Number(String(query.nextPageToken).slice(1)) : 0;
      const issues = items.slice(start, start + 100);
      const next = start + 100 < items.length ? `t${start + 100}` : undefined;
      return { issues, ...(next && { nextPageToken: next }) };
    });
    const seen = await collect(
      paginateToken<number>(fetcher, '/rest/api/3/search/jql', { jql: 'assignee=currentUser()' }),
    );
    expect(new Set(seen).size).toBe(250);
    expect(seen).toHaveLength(250);
    expect(calls.map((c) => c.query!.nextPageToken)).toEqual([undefined, 't100', 't200']);
  });

  it('link paging follows Confluence _links.next and Bitbucket next', async () => {
    const { fetcher, calls } = pages(25, (items, _query, path) => {
      const cursor = path.includes('cursor=') ? Number(path.split('cursor=')[1]) : 0;
      const results = items.slice(cursor, cursor + 10);
      const next =
        cursor + 10 < items.length ? `/wiki/api/v2/spaces?cursor=${cursor + 10}` : undefined;
      return { results, _links: next ? { next } : {} };
    });
    expect(await collect(paginateLinks<number>(fetcher, '/wiki/api/v2/spaces'))).toHaveLength(25);
    expect(calls.map((c) => c.path)).toEqual([
      '/wiki/api/v2/spaces',
      '/wiki/api/v2/spaces?cursor=10',
      '/wiki/api/v2/spaces?cursor=20',
    ]);

    const bitbucket = pages(15, (items, _query, path) => {
      const page = path.includes('page=') ? Number(path.split('page=')[1]) : 1;
      const values = items.slice((page - 1) * 10, page * 10);
      return {
        values,
        ...(page * 10 < items.length && {
          next: `https://api.bitbucket.org/2.0/repositories/ws?page=${page + 1}`,
        }),
      };
    });
    expect(
      await collect(paginateLinks<number>(bitbucket.fetcher, '/2.0/repositories/ws')),
    ).toHaveLength(15);
  });

  it('withQuery appends to paths with or without a query and repeats arrays', () => {
    expect(withQuery('/a', { x: 1, y: undefined, z: null })).toBe('/a?x=1');
    expect(withQuery('/a?b=2', { c: ['d', 'e'] })).toBe('/a?b=2&c=d&c=e');
    expect(withQuery('/a', {})).toBe('/a');
  });
});
