import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWithBearer } from '../../../../test/support/emulator-api-call.js';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID, DEFAULT_EMULATOR_CLOUD_IDS } from '../emulator-defaults.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const ISSUE_NOT_FOUND = {
  errorMessages: ['Issue does not exist or you do not have permission to see it.'],
  errors: {},
};

describe('Jira issues and search under /ex/jira', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const call = (method: string, path: string, body?: unknown, cloudId: string = acme) =>
    callWithBearer(
      `${emulator.apiBaseURL}/ex/jira/${cloudId}/rest/api/3${path}`,
      token,
      method,
      body,
    );

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-03-26T16:24:52.503Z') });
    token = emulator.issueTokens({ scopes: ['read:jira-work', 'write:jira-work'] }).access_token;
  });
  afterEach(() => emulator.stop());

  it('GET issue answers the issue by key (any case) or id, costing 2 points', async () => {
    const byKey = await call('GET', '/issue/acme-2');
    expect(byKey).toEqual({
      status: 200,
      body: {
        id: '10001',
        key: 'ACME-2',
        fields: {
          summary: 'Write the release notes',
          description: null,
          project: { id: '10000', key: 'ACME', name: 'Acme Platform' },
          comment: { comments: [], maxResults: 0, total: 0, startAt: 0 },
        },
      },
    });
    expect((await call('GET', '/issue/10001')).body.key).toBe('ACME-2');
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'jira',
      status: 200,
      cloudId: acme,
      endpoint: 'GET /rest/api/3/issue/{issueIdOrKey}',
      points: 2,
    });
  });

  it("answers an unknown issue with Jira's own 404, costing 1 point, while the site stays reachable", async () => {
    expect(await call('GET', '/issue/ACME-999')).toEqual({ status: 404, body: ISSUE_NOT_FOUND });
    expect(emulator.calls.at(-1)).toMatchObject({ status: 404, points: 1 });
    expect(await call('PUT', '/issue/ACME-999', { fields: { summary: 'x' } })).toEqual({
      status: 404,
      body: ISSUE_NOT_FOUND,
    });
    expect(await call('POST', '/issue/ACME-999/comment', { body: 'x' })).toEqual({
      status: 404,
      body: ISSUE_NOT_FOUND,
    });
    const sites = await fetch(`${emulator.apiBaseURL}/oauth/token/accessible-resources`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await sites.json()) as Array<{ id: string }>).map((site) => site.id)).toContain(acme);
  });

  it('answers a site the grant no longer reaches with the gateway 404, not a product one, costing nothing', async () => {
    expect((await call('GET', '/issue/ACME-1')).status).toBe(200);
    emulator.setSites(DEFAULT_EMULATOR_ACCOUNT_ID, []);
    const gone = await call('GET', '/issue/ACME-1');
    expect(gone).toEqual({ status: 404, body: { errorMessages: ['Site not found'] } });
    expect(gone.body).not.toEqual(ISSUE_NOT_FOUND);
    expect(emulator.calls.at(-1)).toMatchObject({ route: 'jira', status: 404 });
    expect(emulator.calls.at(-1)?.points).toBeUndefined();
    expect(emulator.calls.at(-1)?.endpoint).toBeUndefined();
  });

  it('PUT issue edits summary and description (204), and the next read shows it', async () => {
    const description = { type: 'doc', version: 1, content: [] };
    const edited = await call('PUT', '/issue/ACME-1', {
      fields: { summary: 'Set up CI on both runners', description },
    });
    expect(edited).toEqual({ status: 204, body: undefined });
    expect(emulator.calls.at(-1)).toMatchObject({ status: 204, points: 1 });
    const { body } = await call('GET', '/issue/ACME-1');
    expect(body.fields).toMatchObject({ summary: 'Set up CI on both runners', description });
  });

  it("PUT issue refuses fields it cannot set, and an empty summary, in Jira's words (400)", async () => {
    expect(await call('PUT', '/issue/ACME-1', { fields: { priority: { name: 'High' } } })).toEqual({
      status: 400,
      body: {
        errorMessages: [],
        errors: {
          priority:
            "Field 'priority' cannot be set. It is not on the appropriate screen, or unknown.",
        },
      },
    });
    expect((await call('PUT', '/issue/ACME-1', { fields: { summary: ' ' } })).body).toEqual({
      errorMessages: [],
      errors: { summary: 'You must specify a summary of the issue.' },
    });
    expect((await call('PUT', '/issue/ACME-1', { update: {} })).status).toBe(400);
    expect((await call('GET', '/issue/ACME-1')).body.fields.summary).toBe(
      'Set up continuous integration',
    );
  });

  it('POST comment adds a comment by the caller (201), shown on the issue', async () => {
    const body = {
      type: 'doc',
      version: 1,
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Done' }] }],
    };
    const created = await call('POST', '/issue/ACME-3/comment', { body });
    expect(created).toEqual({
      status: 201,
      body: {
        id: '10000',
        body,
        author: {
          accountId: DEFAULT_EMULATOR_ACCOUNT_ID,
          displayName: 'Ada Lovelace',
          accountType: 'atlassian',
        },
        created: '2026-03-26T16:24:52.503+0000',
        updated: '2026-03-26T16:24:52.503+0000',
      },
    });
    expect(emulator.calls.at(-1)).toMatchObject({
      endpoint: 'POST /rest/api/3/issue/{issueIdOrKey}/comment',
      points: 1,
    });
    expect((await call('GET', '/issue/ACME-3')).body.fields.comment).toMatchObject({
      total: 1,
      comments: [{ id: '10000', body }],
    });
    expect(await call('POST', '/issue/ACME-3/comment', {})).toEqual({
      status: 400,
      body: { errorMessages: [], errors: { comment: 'Comment body can not be empty!' } },
    });
  });

  it('writes need write:jira-work', async () => {
    token = emulator.issueTokens({ scopes: ['read:jira-work'] }).access_token;
    expect(await call('PUT', '/issue/ACME-1', { fields: { summary: 'x' } })).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
  });

  it('keeps issues per site: the same key on another site is another issue', async () => {
    expect((await call('GET', '/issue/GLX-1', undefined, globex)).status).toBe(200);
    expect(await call('GET', '/issue/GLX-1')).toEqual({ status: 404, body: ISSUE_NOT_FOUND });
  });

  describe('GET search/jql', () => {
    it('pages with nextPageToken until isLast, and each page costs 1 plus its issues', async () => {
      const first = await call('GET', '/search/jql?jql=project%20%3D%20ACME&maxResults=2');
      expect(first.body).toEqual({
        issues: [{ id: '10000' }, { id: '10001' }],
        nextPageToken: expect.any(String),
        isLast: false,
      });
      expect(emulator.calls.at(-1)).toMatchObject({
        endpoint: 'GET /rest/api/3/search/jql',
        points: 3,
      });
      const second = await call(
        'GET',
        `/search/jql?jql=project%20%3D%20ACME&maxResults=2&nextPageToken=${first.body.nextPageToken}`,
      );
      expect(second.body).toEqual({ issues: [{ id: '10002' }], isLast: true });
      expect(emulator.calls.at(-1)?.points).toBe(2);
    });

    it('returns keys and the fields asked for, and understands project in (…) and ORDER BY', async () => {
      const { body } = await call(
        'GET',
        `/search/jql?fields=summary&jql=${encodeURIComponent('project in (ACME, "OPS") ORDER BY created DESC')}`,
      );
      expect(body.issues).toHaveLength(4);
      expect(body.issues.at(-1)).toEqual({
        id: '10003',
        key: 'OPS-1',
        fields: { summary: 'Renew the TLS certificate' },
      });
      const empty = await call('GET', '/search/jql?jql=project=NONE');
      expect(empty.body).toEqual({ issues: [], isLast: true });
      expect(emulator.calls.at(-1)?.points).toBe(1);
    });

    it("refuses an unbounded query in Jira's words, other JQL and foreign page tokens in the emulator's", async () => {
      expect(await call('GET', '/search/jql?jql=ORDER%20BY%20created')).toEqual({
        status: 400,
        body: {
          errorMessages: [
            'Unbounded JQL queries are not allowed here. Please add a search restriction to your query.',
          ],
          errors: {},
        },
      });
      const other = await call('GET', '/search/jql?jql=assignee%3DcurrentUser()');
      expect(other.status).toBe(400);
      expect(other.body.errorMessages[0]).toMatch(/project = KEY/);
      expect((await call('GET', '/search/jql?jql=project=ACME&nextPageToken=bogus')).status).toBe(
        400,
      );
    });
  });
});
