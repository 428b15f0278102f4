import { createHmac } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWithBearer } from '../../../../test/support/emulator-api-call.js';
import { WebhookReceiver } from '../../../../test/support/emulator-webhook-receiver.js';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from '../emulator-defaults.js';

const SECRET = 'hook-secret-that-must-never-show';
const REPO_HOOKS = '/2.0/repositories/ada-lovelace/website/hooks';
const WORKSPACE_HOOKS = '/2.0/workspaces/ada-lovelace/hooks';

describe('Bitbucket webhooks', () => {
  let emulator: AtlassianEmulator;
  let receiver: WebhookReceiver;
  let token: string;
  const call = (path: string, method = 'GET', body?: unknown, bearer = token) =>
    callWithBearer(`${emulator.bitbucketApiBaseURL}${path}`, bearer, method, body);
  const createHook = (path: string, extra: Record<string, unknown> = {}) =>
    call(path, 'POST', {
      description: 'nestjs-atlassian',
      url: receiver.url(`/bb${path.includes('workspaces') ? '/workspace' : '/repo'}`),
      active: true,
      events: ['repo:push'],
      ...extra,
    });

  beforeEach(async () => {
    receiver = await WebhookReceiver.start();
    emulator = await AtlassianEmulator.start({
      bitbucketConsumers: [
        {
          key: 'bb-key',
          secret: 'bb-secret',
          callbackURL: 'http://localhost/cb',
          scopes: ['account', 'repository', 'webhook'],
        },
      ],
      webhookRetryDelaysMs: [1, 1, 1, 1],
    });
    token = emulator.issueBitbucketTokens().access_token;
  });
  afterEach(async () => {
    await emulator.stop();
    await receiver.stop();
  });

  it('creates a repository hook (201) that reads back with secret_set and never the secret', async () => {
    const created = await createHook(REPO_HOOKS, { secret: SECRET });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      uuid: expect.stringMatching(/^\{[0-9a-f-]{36}\}$/),
      url: receiver.url('/bb/repo'),
      description: 'nestjs-atlassian',
      subject_type: 'repository',
      subject: { full_name: 'ada-lovelace/website' },
      active: true,
      events: ['repo:push'],
      secret_set: true,
    });
    const uuid = encodeURIComponent(created.body.uuid);
    const one = await call(`${REPO_HOOKS}/${uuid}`);
    const listed = await call(REPO_HOOKS);
    expect(one).toEqual({ status: 200, body: created.body });
    expect(listed.body).toMatchObject({ size: 1, page: 1, values: [created.body] });
    for (const answer of [created, one, listed])
      expect(JSON.stringify(answer.body)).not.toContain(SECRET);
    expect(JSON.stringify(emulator.webhookRegistrations())).not.toContain(SECRET);
    expect(emulator.webhookRegistrations({ provider: 'bitbucket' })).toEqual([
      expect.objectContaining({
        workspace: 'ada-lovelace',
        repository: 'website',
        secretSet: true,
        accountId: DEFAULT_EMULATOR_ACCOUNT_ID,
      }),
    ]);
    expect(await call(`${REPO_HOOKS}/${uuid}`, 'DELETE')).toEqual({ status: 204, body: undefined });
    expect((await call(`${REPO_HOOKS}/${uuid}`)).status).toBe(404);
  });

  it('refuses without the webhook scope (403), an unknown repository (404), a bad URL or event (400)', async () => {
    const noWebhookScope = await AtlassianEmulator.start();
    try {
      const plain = noWebhookScope.issueBitbucketTokens().access_token;
      const refused = await callWithBearer(
        `${noWebhookScope.bitbucketApiBaseURL}${REPO_HOOKS}`,
        plain,
      );
      expect(refused.status).toBe(403);
      expect(refused.body.error.detail.required).toEqual(['webhook']);
    } finally {
      await noWebhookScope.stop();
    }
    expect((await createHook('/2.0/repositories/ada-lovelace/nope/hooks')).status).toBe(404);
    expect((await createHook(REPO_HOOKS, { url: 'ftp://example.com' })).status).toBe(400);
    const badEvent = await createHook(REPO_HOOKS, { events: ['repo:exploded'] });
    expect(badEvent.status).toBe(400);
    expect(badEvent.body.error.message).toContain('repo:exploded');
  });

  it('delivers repo:push to repository and workspace hooks, signed over the exact body with each secret', async () => {
    const repoHook = (await createHook(REPO_HOOKS, { secret: SECRET })).body;
    const workspaceHook = (await createHook(WORKSPACE_HOOKS)).body;
    await createHook('/2.0/repositories/ada-lovelace/notes/hooks');
    await createHook(REPO_HOOKS, { events: ['pullrequest:created'] });
    await createHook(REPO_HOOKS, { active: false });

    const pushed = emulator.pushToRepository('ada-lovelace', 'website', {
      commits: ['First', 'Second'],
    });
    expect(pushed).toMatchObject({ branch: 'main', previousHash: null, hooks: 2 });
    await emulator.settleWebhooks();

    expect(receiver.received.map((r) => r.path).sort()).toEqual(['/bb/repo', '/bb/workspace']);
    const signed = receiver.received.find((r) => r.path === '/bb/repo')!;
    const expected = `sha256=${createHmac('sha256', SECRET).update(signed.body).digest('hex')}`;
    expect(signed.headers['x-hub-signature']).toBe(expected);
    expect(signed.headers).toMatchObject({
      'x-event-key': 'repo:push',
      'x-hook-uuid': repoHook.uuid.slice(1, -1),
      'x-attempt-number': '1',
      'content-type': 'application/json',
    });
    expect(signed.headers['x-request-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    const unsigned = receiver.received.find((r) => r.path === '/bb/workspace')!;
    expect(unsigned.headers).not.toHaveProperty('x-hub-signature');
    expect(unsigned.headers['x-hook-uuid']).toBe(workspaceHook.uuid.slice(1, -1));

    const payload = JSON.parse(signed.body);
    expect(payload).toMatchObject({
      actor: { account_id: DEFAULT_EMULATOR_ACCOUNT_ID },
      repository: { full_name: 'ada-lovelace/website', uuid: expect.stringMatching(/^\{.+\}$/) },
      push: {
        changes: [
          {
            new: { type: 'branch', name: 'main', target: { hash: pushed.hash, message: 'Second' } },
            old: null,
            created: true,
          },
        ],
      },
    });
    expect(payload.push.changes[0].commits.map((c: { message: string }) => c.message)).toEqual([
      'Second',
      'First',
    ]);
    const next = emulator.pushToRepository('ada-lovelace', 'website');
    expect(next.previousHash).toBe(pushed.hash);
  });

  it('retries a 5xx at most twice with the same X-Request-UUID, and never a 4xx', async () => {
    await createHook(REPO_HOOKS, { secret: SECRET });
    receiver.answerWith(500, 502, 500);
    emulator.pushToRepository('ada-lovelace', 'website');
    await emulator.settleWebhooks();
    expect(receiver.received.map((r) => r.headers['x-attempt-number'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.received.map((r) => r.headers['x-request-uuid'])).size).toBe(1);
    // The signature covers the body, which is the same on every attempt.
    expect(new Set(receiver.received.map((r) => r.headers['x-hub-signature'])).size).toBe(1);

    receiver.answerWith(429);
    emulator.pushToRepository('ada-lovelace', 'website');
    await emulator.settleWebhooks();
    expect(receiver.received).toHaveLength(4);
    expect(emulator.webhookDeliveries().map((d) => [d.provider, d.attempt, d.status])).toEqual([
      ['bitbucket', 1, 500],
      ['bitbucket', 2, 502],
      ['bitbucket', 3, 500],
      ['bitbucket', 1, 429],
    ]);
  });

  it('a dropped hook gets nothing', async () => {
    const hook = (await createHook(REPO_HOOKS)).body;
    emulator.dropBitbucketHook(hook.uuid);
    expect(emulator.pushToRepository('ada-lovelace', 'website').hooks).toBe(0);
    await emulator.settleWebhooks();
    expect(receiver.received).toEqual([]);
  });
});
