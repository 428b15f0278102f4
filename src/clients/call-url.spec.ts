import { describe, expect, it } from 'vitest';
import { callURL } from './call-url.js';

const JIRA = 'https://api.atlassian.com/ex/jira/c1';
const href = (result: ReturnType<typeof callURL>) =>
  result instanceof URL ? result.href : `refused ${result.named}`;

describe('callURL', () => {
  it('resolves paths, relative links and absolute links under the base', () => {
    expect(href(callURL(JIRA, '/rest/api/3/myself'))).toBe(`${JIRA}/rest/api/3/myself`);
    expect(href(callURL(JIRA, 'rest/api/3/myself', { a: 1 }))).toBe(
      `${JIRA}/rest/api/3/myself?a=1`,
    );
    expect(href(callURL(JIRA, `${JIRA}/rest/api/3/project/search?startAt=50`))).toBe(
      `${JIRA}/rest/api/3/project/search?startAt=50`,
    );
    expect(
      href(callURL('https://api.bitbucket.org', 'https://api.bitbucket.org/2.0/x?page=2')),
    ).toBe('https://api.bitbucket.org/2.0/x?page=2');
    // Confluence's relative _links.next is relative to the site's base, not the origin.
    expect(
      href(callURL('https://api.atlassian.com/ex/confluence/c1', '/wiki/api/v2/spaces?cursor=x')),
    ).toBe('https://api.atlassian.com/ex/confluence/c1/wiki/api/v2/spaces?cursor=x');
  });

  it.each([
    ['another host', 'https://evil.example/rest/api/3/myself'],
    ['a look-alike host', 'https://api.atlassian.com.evil.example/ex/jira/c1/x'],
    ['another scheme', 'http://api.atlassian.com/ex/jira/c1/x'],
    ['another port', 'https://api.atlassian.com:8443/ex/jira/c1/x'],
    ['another site on the same origin', 'https://api.atlassian.com/ex/jira/c2/rest/api/3/myself'],
    ['a prefix that is not a path segment', 'https://api.atlassian.com/ex/jira/c1evil/x'],
    ['dot segments out of the base', '/../c2/rest/api/3/myself'],
    ['encoded dot segments out of the base', '/%2e%2e/c2/rest/api/3/myself'],
    ['credentials in the URL', 'https://user:pw@api.atlassian.com/ex/jira/c1/x'],
    ['a protocol-relative link', '//evil.example/x'],
    ['another scheme altogether', 'javascript:alert(1)'],
  ])('refuses %s', (_case, link) => {
    const result = callURL(JIRA, link);
    expect(result).not.toBeInstanceOf(URL);
    expect(result).toMatchObject({ allowed: `${JIRA}/` });
    expect(JSON.stringify(result)).not.toContain('?');
  });
});
