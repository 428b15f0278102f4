import { json } from '../server/http-helpers.js';
import { issueFields } from './jira-issue-endpoints.js';
import { selectByJql } from './jql-filter.js';
import { answer, integerParam, jiraBadRequest } from './product-answers.js';
import type { ProductAnswer, ProductCall, ProductEndpoint } from './product-endpoint.js';

/**
 * `GET /rest/api/3/search/jql`: issues a JQL query selects, paged by an opaque `nextPageToken` (absent on the
 * last page, with `isLast: true`). Each issue is `{ id }`, or `{ id, key, fields }` when `fields` is given
 * (`*all` and `*navigable` for every field). Every issue returned costs a point.
 */
export const jiraSearchEndpoint: ProductEndpoint = {
  product: 'jira',
  method: 'GET',
  path: '/rest/api/3/search/jql',
  scopes: ['read:jira-work', 'read:issue:jira'],
  handle: search,
};

function search({ atlassian, granted: { site }, request: { query } }: ProductCall): ProductAnswer {
  const selection = selectByJql(query.get('jql') ?? '');
  if ('status' in selection) return jiraBadRequest([selection.message]);
  const offset = decodeToken(query.get('nextPageToken'));
  if (offset === undefined) return jiraBadRequest(['The nextPageToken is not valid.']);
  const maxResults = integerParam(query.get('maxResults'), 50, 1, 100);
  const wanted = (query.get('fields') ?? '').split(',').filter(Boolean);
  const matching = atlassian.issues
    .issues(site)
    .filter((issue) => selection.projects.includes(issue.key.slice(0, issue.key.lastIndexOf('-'))));
  const page = matching.slice(offset, offset + maxResults);
  const issues = page.map((issue) => {
    if (wanted.length === 0) return { id: issue.id };
    const all = issueFields(site, issue);
    const everything = wanted.includes('*all') || wanted.includes('*navigable');
    const fields = Object.fromEntries(
      Object.entries(all).filter(([name]) => everything || wanted.includes(name)),
    );
    return { id: issue.id, key: issue.key, fields };
  });
  const next = offset + page.length;
  const isLast = next >= matching.length;
  return answer(
    json(200, { issues, ...(isLast ? {} : { nextPageToken: encodeToken(next) }), isLast }),
    issues.length,
  );
}

function encodeToken(offset: number): string {
  return Buffer.from(`offset:${offset}`).toString('base64url');
}

/** The offset a token stands for; 0 without one; undefined for a token the emulator did not issue. */
function decodeToken(token: string | null): number | undefined {
  if (token === null || token === '') return 0;
  const match = /^offset:(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  return match ? Number(match[1]) : undefined;
}
