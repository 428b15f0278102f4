import { describe, expect, it } from 'vitest';
import { httpMethod, serverAttributes, urlTemplate } from './http-attributes.js';

describe('urlTemplate', () => {
  it.each([
    [
      '/ex/jira/1f3a9c52-7d4e-4b8a-9e21-5c6d7e8f9a01/rest/api/3/myself',
      '/ex/jira/{id}/rest/api/3/myself',
    ],
    [
      '/ex/jira/abc/rest/api/3/issue/PROJ-123/comment/10001',
      '/ex/jira/abc/rest/api/3/issue/{id}/comment/{id}',
    ],
    ['/ex/confluence/abc/wiki/api/v2/pages/98304', '/ex/confluence/abc/wiki/api/v2/pages/{id}'],
    [
      '/2.0/repositories/team/repo-name/pullrequests/12',
      '/2.0/repositories/team/repo-name/pullrequests/{id}',
    ],
    ['/2.0/users/%7Bb3c1d2e4%7D', '/2.0/users/{id}'],
    ['/rest/api/3/user/jane.doe@example.com', '/rest/api/3/user/{id}'],
    ['/oauth/token', '/oauth/token'],
  ])('%s → %s', (path, template) => {
    expect(urlTemplate(path)).toBe(template);
  });
});

describe('httpMethod and serverAttributes', () => {
  it('keep known methods, name the others _OTHER, and give the default port of a scheme', () => {
    expect([httpMethod('get'), httpMethod('PROPFIND'), httpMethod(undefined)]).toEqual([
      'GET',
      '_OTHER',
      'GET',
    ]);
    expect(serverAttributes(new URL('https://api.atlassian.com/ex/jira'))).toEqual({
      'server.address': 'api.atlassian.com',
      'server.port': 443,
      'url.scheme': 'https',
    });
    expect(serverAttributes(new URL('http://127.0.0.1:4123/x'))['server.port']).toBe(4123);
  });
});
