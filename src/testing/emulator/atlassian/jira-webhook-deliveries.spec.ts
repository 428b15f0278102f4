import { createHmac, timingSafeEqual } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWithBearer } from '../../../../test/support/emulator-api-call.js';
import { WebhookReceiver } from '../../../../test/support/emulator-webhook-receiver.js';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import {
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_CLIENT,
  DEFAULT_EMULATOR_CLOUD_IDS,
} from '../emulator-defaults.js';

const { acme } = DEFAULT_EMULATOR_CLOUD_IDS;
const SECOND_APP = {
  clientId: 'second-app',
  clientSecret: 'second-secret',
  redirectUris: ['http://localhost/cb'],
};

/** Verify an HS256 JWT with `secret` the way a receiver must: header, then signature, then claims. */
function verifyJwt(token: string, secret: string): Record<string, unknown> {
  const [header, payload, signature] = token.split('.');
  expect(JSON.parse(Buffer.from(header!, 'base64url').toString())).toEqual({
    alg: 'HS256',
    typ: 'JWT',
  });
  const expected = createHmac('sha256', secret).update(`${header}.${payload}`).digest();
  const given = Buffer.from(signature!, 'base64url');
  expect(given.length === expected.length && timingSafeEqual(given, expected)).toBe(true);
  return JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
}

describe('Jira webhook deliveries', () => {
  let emulator: AtlassianEmulator;
  let receiver: WebhookReceiver;
  let token: string;
  const register = async (webhooks: unknown[], bearer = token, path = '/webhooks/jira') => {
    const answer = await callWithBearer(
      `${emulator.apiBaseURL}/ex/jira/${acme}/rest/api/3/webhook`,
      bearer,
      'POST',
      { url: receiver.url(path), webhooks },
    );
    return answer.body.webhookRegistrationResult.map(
      (r: { createdWebhookId: number }) => r.createdWebhookId,
    );
  };
  const bodies = () => receiver.received.map((entry) => JSON.parse(entry.body));

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
    emulator = await AtlassianEmulator.start({
      clients: [DEFAULT_EMULATOR_CLIENT, SECOND_APP],
      webhookRetryDelaysMs: [1, 1, 1],
    });
    token = emulator.issueTokens({
      scopes: ['manage:jira-webhook', 'write:jira-work'],
    }).access_token;
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  it('delivers a matched update once per app and URL, listing every matched id, signed with the client secret', async () => {
    const ids = await register([
      { events: ['jira:issue_updated'], jqlFilter: 'project = ACME' },
      {
        events: ['jira:issue_updated', 'jira:issue_created'],
        jqlFilter: 'issueKey IN (ACME-1, ACME-2)',
      },
      { events: ['jira:issue_updated'], jqlFilter: 'project = OPS' },
    ]);
    emulator.updateIssue(acme, 'ACME-1', { summary: 'Set up CI on the new runners' });
    await emulator.settleWebhooks();

    expect(receiver.received).toHaveLength(1);
    const [{ headers, body }] = receiver.received;
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-atlassian-webhook-retry']).toBe('0');
    expect(headers['x-atlassian-webhook-identifier']).toMatch(/^[0-9a-f-]{36}$/);
    const claims = verifyJwt(
      headers.authorization!.replace(/^Bearer /, ''),
      DEFAULT_EMULATOR_CLIENT.clientSecret,
    );
    expect(claims).toMatchObject({
      aud: DEFAULT_EMULATOR_CLIENT.clientId,
      iat: expect.any(Number),
    });
    expect(claims.exp).toBeGreaterThan(claims.iat as number);
    expect(() => verifyJwt(headers.authorization!.slice(7), SECOND_APP.clientSecret)).toThrow();

    const payload = JSON.parse(body);
    expect(payload).toMatchObject({
      webhookEvent: 'jira:issue_updated',
      issue_event_type_name: 'issue_generic',
      timestamp: emulator.clock.nowMs(),
      matchedWebhookIds: [ids[0], ids[1]],
      user: { accountId: DEFAULT_EMULATOR_ACCOUNT_ID },
      issue: {
        id: '10000',
        key: 'ACME-1',
        self: 'https://acme.atlassian.net/rest/api/2/issue/10000',
        fields: { summary: 'Set up CI on the new runners', project: { key: 'ACME' } },
      },
      changelog: {
        items: [
          expect.objectContaining({
            fieldId: 'summary',
            fromString: 'Set up continuous integration',
            toString: 'Set up CI on the new runners',
          }),
        ],
      },
    });
    expect(emulator.webhookDeliveries()).toEqual([
      expect.objectContaining({
        provider: 'jira',
        attempt: 1,
        status: 204,
        registrations: [ids[0], ids[1]],
      }),
    ]);
  });

  it('sends one delivery per app, each signed with its own secret', async () => {
    await register([{ events: ['jira:issue_updated'], jqlFilter: 'project = ACME' }]);
    const second = emulator.issueTokens({
      clientId: SECOND_APP.clientId,
      scopes: ['manage:jira-webhook'],
    });
    await register(
      [{ events: ['jira:issue_updated'], jqlFilter: 'status = "To Do"' }],
      second.access_token,
      '/second',
    );
    emulator.updateIssue(acme, 'ACME-2', { status: 'In Progress' });
    await emulator.settleWebhooks();
    // The status filter is judged on the issue as it is after the change: "To Do" no longer matches.
    expect(receiver.received.map((entry) => entry.path)).toEqual(['/webhooks/jira']);
    emulator.updateIssue(acme, 'ACME-2', { status: 'To Do' });
    await emulator.settleWebhooks();
    const second2 = receiver.received.find((entry) => entry.path === '/second')!;
    verifyJwt(second2.headers.authorization!.slice(7), SECOND_APP.clientSecret);
    expect(receiver.received).toHaveLength(3);
  });

  it('delivers nothing when the JQL, the event or the fields filter does not match, or once expired', async () => {
    const [, , expiring] = await register([
      { events: ['jira:issue_updated'], jqlFilter: 'project = OPS' },
      {
        events: ['jira:issue_updated'],
        jqlFilter: 'project = ACME',
        fieldIdsFilter: ['description'],
      },
      { events: ['jira:issue_created'], jqlFilter: 'project = ACME' },
    ]);
    emulator.updateIssue(acme, 'ACME-1', { summary: 'Renamed' });
    emulator.updateIssue(acme, 'ACME-1', { summary: 'Renamed' });
    emulator.expireWebhook(acme, expiring);
    emulator.createIssue(acme, { key: 'ACME-9', summary: 'New' });
    await emulator.settleWebhooks();
    expect(receiver.received).toEqual([]);
    expect(emulator.webhookDeliveries()).toEqual([]);
  });

  it('retries a 500 with the same identifier and a growing retry header, and never a 400', async () => {
    await register([{ events: ['jira:issue_created'], jqlFilter: 'project = ACME' }]);
    receiver.answerWith(500, 503, 200);
    emulator.createIssue(acme, { key: 'ACME-10', summary: 'Retried' });
    await emulator.settleWebhooks();
    expect(receiver.received.map((r) => r.headers['x-atlassian-webhook-retry'])).toEqual([
      '0',
      '1',
      '2',
    ]);
    expect(
      new Set(receiver.received.map((r) => r.headers['x-atlassian-webhook-identifier'])).size,
    ).toBe(1);
    expect(emulator.webhookDeliveries().map((d) => [d.attempt, d.status])).toEqual([
      [1, 500],
      [2, 503],
      [3, 200],
    ]);

    receiver.answerWith(400);
    emulator.createIssue(acme, { key: 'ACME-11', summary: 'Refused' });
    await emulator.settleWebhooks();
    expect(receiver.received).toHaveLength(4);
    expect(emulator.webhookDeliveries().at(-1)).toMatchObject({ attempt: 1, status: 400 });
  });

  it('retries 429 and a refused connection until the retries run out', async () => {
    await register([{ events: ['jira:issue_created'], jqlFilter: 'project = ACME' }]);
    receiver.answerWith(429);
    emulator.createIssue(acme, { key: 'ACME-12', summary: 'Busy' });
    await emulator.settleWebhooks();
    expect(receiver.received).toHaveLength(2);
    await receiver.stop();
    emulator.createIssue(acme, { key: 'ACME-13', summary: 'Nobody home' });
    await emulator.settleWebhooks();
    const refused = emulator.webhookDeliveries().filter((d) => d.error !== undefined);
    expect(refused.map((d) => [d.attempt, d.error])).toEqual([
      [1, 'ECONNREFUSED'],
      [2, 'ECONNREFUSED'],
      [3, 'ECONNREFUSED'],
      [4, 'ECONNREFUSED'],
    ]);
    receiver = await WebhookReceiver.start();
  });

  it('delivers comment_created when a comment is added through the API, and an update through the edit endpoint', async () => {
    await register([
      { events: ['comment_created', 'jira:issue_updated'], jqlFilter: 'project = ACME' },
    ]);
    const issueUrl = `${emulator.apiBaseURL}/ex/jira/${acme}/rest/api/3/issue/ACME-3`;
    const comment = await callWithBearer(`${issueUrl}/comment`, token, 'POST', {
      body: 'Done tonight',
    });
    expect(comment.status).toBe(201);
    const edit = await callWithBearer(issueUrl, token, 'PUT', {
      fields: { summary: 'Rotate them all' },
    });
    expect(edit.status).toBe(204);
    await emulator.settleWebhooks();
    const [commented, updated] = bodies();
    expect(commented).toMatchObject({
      webhookEvent: 'comment_created',
      comment: {
        id: comment.body.id,
        body: 'Done tonight',
        author: { accountId: DEFAULT_EMULATOR_ACCOUNT_ID },
      },
      issue: { key: 'ACME-3' },
    });
    expect(updated).toMatchObject({ webhookEvent: 'jira:issue_updated', issue: { key: 'ACME-3' } });
  });

  it('stop() abandons pending retries', async () => {
    await register([{ events: ['jira:issue_created'], jqlFilter: 'project = ACME' }]);
    const slow = await AtlassianEmulator.start({ webhookRetryDelaysMs: [60_000] });
    const slowToken = slow.issueTokens({ scopes: ['manage:jira-webhook'] }).access_token;
    await callWithBearer(
      `${slow.apiBaseURL}/ex/jira/${acme}/rest/api/3/webhook`,
      slowToken,
      'POST',
      {
        url: receiver.url('/slow'),
        webhooks: [{ events: ['jira:issue_created'], jqlFilter: 'project = ACME' }],
      },
    );
    receiver.answerWith(500);
    slow.createIssue(acme, { key: 'ACME-14', summary: 'Never retried' });
    while (slow.webhookDeliveries().length === 0)
      await new Promise((resolve) => setImmediate(resolve));
    await slow.stop();
    await slow.settleWebhooks();
    expect(slow.webhookDeliveries()).toHaveLength(1);
    expect(receiver.received.filter((r) => r.path === '/slow')).toHaveLength(1);
  });
});
