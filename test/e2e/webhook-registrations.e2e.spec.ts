import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AccountLinkService,
  AtlassianEvents,
  AtlassianTokenService,
  AtlassianWebhookService,
  TokenCipher,
  WebhookRegistration,
  WebhookRenewalScheduler,
  type WebhookRegistrationStoppedEvent,
  type WebhookRegistrationView,
} from '../../src/index.js';
import {
  AtlassianEmulator,
  type EmulatorJiraWebhookRegistration,
} from '../../src/testing/index.js';
import { webhookSecretBinding } from '../../src/crypto/token-cipher.js';
import { WebhookRegistrationStore } from '../../src/webhooks/registrations/webhook-registration.store.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { BITBUCKET_UNDER_TEST, OAuthFlowDriver } from '../support/oauth-provider-flow.js';
import { startTestApp, TEST_BITBUCKET_CONSUMER, type TestApp } from '../support/test-app.js';
import {
  JIRA_WEBHOOK_APP_SCOPES,
  signInWithOwnSite,
  TEST_JIRA_WEBHOOK_URL,
  type SiteUser,
} from '../support/webhook-users.js';

const DAY_MS = 24 * 3600_000;
const BITBUCKET_URL = 'https://app.example.com/webhooks/bitbucket';
const REFRESH = 'PUT /rest/api/3/webhook/refresh';

describe.each(['sqlite', 'postgres'] as const)('Webhook registrations (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let webhooks: AtlassianWebhookService;
  let renewal: WebhookRenewalScheduler;
  let ada: SiteUser;
  const stopped: WebhookRegistrationStoppedEvent[] = [];
  const logger = new CapturingLogger();

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      atlassianScope: JIRA_WEBHOOK_APP_SCOPES,
      options: {
        refreshScheduler: { enabled: false },
        webhooks: {
          jiraUrl: TEST_JIRA_WEBHOOK_URL,
          bitbucketUrl: BITBUCKET_URL,
          renewalCron: false,
        },
      },
      now: () => emulator.clock.now(),
      sleep: async () => undefined,
      bitbucket: true,
      imports: [EventEmitterModule.forRoot()],
      logger,
    });
    webhooks = app.app.get(AtlassianWebhookService);
    renewal = app.app.get(WebhookRenewalScheduler);
    app.app
      .get(EventEmitter2)
      .on(AtlassianEvents.WebhookRegistrationStopped, (event: WebhookRegistrationStoppedEvent) =>
        stopped.push(event),
      );
    ada = await signInWithOwnSite(app, emulator, 'wh-ada');
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  const rows = (linkedAccountId: string) =>
    app.dataSource
      .getRepository(WebhookRegistration)
      .find({ where: { linkedAccountId }, order: { createdAt: 'ASC', id: 'ASC' } });
  const atJira = (accountId: string) =>
    emulator.webhookRegistrations({
      provider: 'jira',
      accountId,
    }) as EmulatorJiraWebhookRegistration[];
  const issueFilter = (n: number) => ({
    events: ['jira:issue_updated', 'comment_created'],
    jqlFilter: `project = P${n}`,
  });

  it("registers a Jira webhook with Jira's expiry, and lists it", async () => {
    const view = await webhooks.registerJira(ada.accountId, ada.cloudId, {
      ...issueFilter(1),
      fieldIdsFilter: ['summary'],
    });
    const [remote] = atJira('wh-ada');
    expect(remote).toMatchObject({
      id: Number(view.remoteId),
      cloudId: ada.cloudId,
      url: TEST_JIRA_WEBHOOK_URL,
      events: ['jira:issue_updated', 'comment_created'],
      jqlFilter: 'project = P1',
      fieldIdsFilter: ['summary'],
    });
    expect(view).toMatchObject({
      provider: 'atlassian',
      linkedAccountId: ada.accountId,
      target: ada.cloudId,
      status: 'active',
      expiresAt: remote.expiresAt,
    });
    expect(remote.expiresAt.getTime()).toBe(emulator.clock.nowMs() + 30 * DAY_MS);
    expect(await webhooks.list(ada.accountId)).toEqual([view]);
  });

  it('refuses a sixth active registration for one account and site before any call to Jira', async () => {
    for (let n = 2; n <= 5; n++)
      await webhooks.registerJira(ada.accountId, ada.cloudId, issueFilter(n));
    const callsBefore = emulator.calls.length;
    await expect(
      webhooks.registerJira(ada.accountId, ada.cloudId, issueFilter(6)),
    ).rejects.toMatchObject({ code: 'webhook_limit_reached', status: 409 });
    expect(emulator.calls.length).toBe(callsBefore);
    expect(await rows(ada.accountId)).toHaveLength(5);
    expect(atJira('wh-ada')).toHaveLength(5);
  });

  it('refuses an account whose grant lacks the webhook scopes before any call to Jira', async () => {
    const eve = await signInWithOwnSite(app, emulator, 'wh-eve', ['read:jira-work']);
    const callsBefore = emulator.calls.length;
    await expect(
      webhooks.registerJira(eve.accountId, eve.cloudId, issueFilter(1)),
    ).rejects.toMatchObject({
      code: 'webhook_scopes_missing',
      status: 403,
      missingScopes: ['manage:jira-webhook'],
    });
    expect(emulator.calls.length).toBe(callsBefore);
    expect(await rows(eve.accountId)).toEqual([]);
  });

  it("maps Jira's per-item errors to webhook_rejected, and stores nothing", async () => {
    const fay = await signInWithOwnSite(app, emulator, 'wh-fay');
    await expect(
      webhooks.registerJira(fay.accountId, fay.cloudId, {
        events: ['jira:not_an_event'],
        jqlFilter: 'project = P1',
      }),
    ).rejects.toMatchObject({ code: 'webhook_rejected', status: 400 });
    expect(await rows(fay.accountId)).toEqual([]);
    expect(atJira('wh-fay')).toEqual([]);
  });

  it('deletes the webhook at Jira again when the row cannot be stored', async () => {
    const gus = await signInWithOwnSite(app, emulator, 'wh-gus');
    const store = app.app.get(WebhookRegistrationStore);
    const insert = vi
      .spyOn(store, 'insert')
      .mockRejectedValueOnce(new Error('the database went away'));
    try {
      await expect(
        webhooks.registerJira(gus.accountId, gus.cloudId, issueFilter(1)),
      ).rejects.toThrow('the database went away');
    } finally {
      insert.mockRestore();
    }
    // Jira did create it, and it was deleted again.
    expect(
      emulator.count('jira', { endpoint: 'POST /rest/api/3/webhook', cloudId: gus.cloudId }),
    ).toBe(1);
    expect(
      emulator.count('jira', { endpoint: 'DELETE /rest/api/3/webhook', cloudId: gus.cloudId }),
    ).toBe(1);
    expect(atJira('wh-gus')).toEqual([]);
    expect(await rows(gus.accountId)).toEqual([]);
  });

  it('renews at day 23 of 30, not before, with one refresh call for the account and site', async () => {
    emulator.clock.advance(22 * DAY_MS);
    expect(await renewal.runOnce()).toMatchObject({ renewed: 0, reregistered: 0 });
    expect(emulator.count('jira', { endpoint: REFRESH })).toBe(0);

    emulator.clock.advance(1 * DAY_MS);
    expect(await renewal.runOnce()).toMatchObject({ renewed: 5, failed: 0, stopped: 0 });
    expect(emulator.count('jira', { endpoint: REFRESH, cloudId: ada.cloudId })).toBe(1);
    const expiresAt = emulator.clock.nowMs() + 30 * DAY_MS;
    for (const remote of atJira('wh-ada')) expect(remote.expiresAt.getTime()).toBe(expiresAt);
    for (const row of await rows(ada.accountId)) {
      expect(row).toMatchObject({ status: 'active', leaseOwner: null });
      expect(row.expiresAt!.getTime()).toBe(expiresAt);
      expect(row.lastRenewedAt!.getTime()).toBe(emulator.clock.nowMs());
    }
    expect(await renewal.runOnce()).toMatchObject({ renewed: 0 });
    expect(emulator.count('jira', { endpoint: REFRESH })).toBe(1);
  });

  it('registers again, under the same row, a registration Jira no longer lists', async () => {
    const [gone, ...kept] = await rows(ada.accountId);
    emulator.dropWebhookRegistration(ada.cloudId, Number(gone.remoteId));
    emulator.clock.advance(23 * DAY_MS);
    expect(await renewal.runOnce()).toMatchObject({ renewed: 4, reregistered: 1, failed: 0 });
    const after = await rows(ada.accountId);
    const again = after.find((row) => row.id === gone.id)!;
    expect(again.remoteId).not.toBe(gone.remoteId);
    expect(again).toMatchObject({ status: 'active', jqlFilter: gone.jqlFilter });
    expect(after.filter((row) => row.id !== gone.id).map((row) => row.remoteId)).toEqual(
      kept.map((row) => row.remoteId),
    );
    const remote = atJira('wh-ada').find((webhook) => webhook.id === Number(again.remoteId))!;
    expect(remote).toMatchObject({ jqlFilter: gone.jqlFilter, events: gone.events });
    expect(again.expiresAt!.getTime()).toBe(remote.expiresAt.getTime());
    expect(atJira('wh-ada').map((webhook) => webhook.id)).not.toContain(Number(gone.remoteId));
    expect(atJira('wh-ada')).toHaveLength(5);
  });

  it('stops, and tells the app, when the account must consent again', async () => {
    const dee = await signInWithOwnSite(app, emulator, 'wh-dee');
    const view = await webhooks.registerJira(dee.accountId, dee.cloudId, issueFilter(1));
    emulator.revokeGrant('wh-dee');
    emulator.clock.advance(23 * DAY_MS);
    const result = await renewal.runOnce();
    expect(result).toMatchObject({ stopped: 1, renewed: 5 });
    expect(await rows(dee.accountId)).toMatchObject([
      { id: view.id, status: 'stopped', statusReason: 'reauth_required', leaseOwner: null },
    ]);
    expect(stopped).toEqual([
      {
        registrationId: view.id,
        accountId: dee.accountId,
        userId: dee.userId,
        provider: 'atlassian',
        target: dee.cloudId,
        reason: 'reauth_required',
      },
    ]);
    // Stopped registrations are not claimed again.
    emulator.clock.advance(1 * DAY_MS);
    expect(await renewal.runOnce()).toMatchObject({ stopped: 0 });
    expect(stopped).toHaveLength(1);
  });

  it('removes the registrations at Jira and here when the account is unlinked', async () => {
    const bob = await signInWithOwnSite(app, emulator, 'wh-bob');
    await webhooks.registerJira(bob.accountId, bob.cloudId, issueFilter(1));
    await webhooks.registerJira(bob.accountId, bob.cloudId, issueFilter(2));
    expect(atJira('wh-bob')).toHaveLength(2);
    expect(await app.app.get(AccountLinkService).unlink(bob.userId, bob.accountId)).toBe(true);
    expect(atJira('wh-bob')).toEqual([]);
    expect(await rows(bob.accountId)).toEqual([]);
  });

  it('removes them too when the account is forgotten, and one by one with remove()', async () => {
    const cy = await signInWithOwnSite(app, emulator, 'wh-cy');
    const first = await webhooks.registerJira(cy.accountId, cy.cloudId, issueFilter(1));
    await webhooks.registerJira(cy.accountId, cy.cloudId, issueFilter(2));
    await webhooks.remove(first.id);
    expect(atJira('wh-cy').map((webhook) => String(webhook.id))).not.toContain(first.remoteId);
    expect(await rows(cy.accountId)).toHaveLength(1);
    await expect(webhooks.remove(first.id)).rejects.toMatchObject({
      code: 'webhook_registration_not_found',
      status: 404,
    });
    await app.app.get(AtlassianTokenService).forgetTokens({ accountId: cy.accountId });
    expect(atJira('wh-cy')).toEqual([]);
    expect(await rows(cy.accountId)).toEqual([]);
  });

  it('creates a Bitbucket hook with its own secret, stored encrypted and never handed out', async () => {
    emulator.registerBitbucketConsumer({
      ...TEST_BITBUCKET_CONSUMER,
      callbackURL: app.bitbucketCallbackURL,
      scopes: ['account', 'email', 'repository', 'webhook'],
    });
    emulator.addUser({
      accountId: 'wh-bb',
      name: 'wh-bb',
      bitbucket: { workspaces: [{ slug: 'acme', repositories: [{ name: 'api' }] }] },
    });
    const bitbucket = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
      () => app,
      () => emulator,
    );
    const { account } = await bitbucket.signInOk({}, { accountId: 'wh-bb' });
    const view: WebhookRegistrationView = await webhooks.registerBitbucket(account.id, {
      workspace: 'acme',
      repository: 'api',
      events: ['repo:push'],
    });
    expect(view).toMatchObject({ provider: 'bitbucket', target: 'acme/api', status: 'active' });
    expect(Object.keys(view)).not.toContain('secretEncrypted');
    expect(emulator.webhookRegistrations({ provider: 'bitbucket', accountId: 'wh-bb' })).toEqual([
      expect.objectContaining({
        uuid: view.remoteId,
        workspace: 'acme',
        repository: 'api',
        url: BITBUCKET_URL,
        events: ['repo:push'],
        secretSet: true,
      }),
    ]);
    const row = await app.dataSource
      .createQueryBuilder()
      .select('*')
      .from('atlassian_webhook_registrations', 'r')
      .where('r.id = :id', { id: view.id })
      .getRawOne<Record<string, string>>();
    expect(row!.secretEncrypted).toMatch(/^v2:/);
    const secret = app.app
      .get(TokenCipher)
      .decrypt(row!.secretEncrypted, webhookSecretBinding(view.id));
    expect(secret).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(row)).not.toContain(secret);
    expect(JSON.stringify(await webhooks.list(account.id))).not.toContain(secret);
    expect(logger.lines.join('\n')).not.toContain(secret);
    // Bound to its row: the ciphertext does not decrypt as another registration's.
    expect(() =>
      app.app.get(TokenCipher).decrypt(row!.secretEncrypted, webhookSecretBinding(ada.accountId)),
    ).toThrow();

    await webhooks.remove(view.id);
    expect(emulator.webhookRegistrations({ provider: 'bitbucket', accountId: 'wh-bb' })).toEqual(
      [],
    );
    expect(await rows(account.id)).toEqual([]);
  });
  it('unlinks even when Jira cannot delete the webhooks, and logs no token', async () => {
    const hal = await signInWithOwnSite(app, emulator, 'wh-hal');
    await webhooks.registerJira(hal.accountId, hal.cloudId, issueFilter(1));
    const token = await app.app
      .get(AtlassianTokenService)
      .getAccessToken({ accountId: hal.accountId });
    emulator.inject({ route: 'jira', match: { method: 'DELETE' }, status: 500, times: Infinity });
    try {
      expect(await app.app.get(AccountLinkService).unlink(hal.userId, hal.accountId)).toBe(true);
    } finally {
      emulator.clearFaults();
    }
    expect(await rows(hal.accountId)).toEqual([]);
    // Left at Jira, where it expires within 30 days; said in the log, without the token.
    expect(atJira('wh-hal')).toHaveLength(1);
    const log = logger.lines.join('\n');
    expect(log).toMatch(/Could not remove the atlassian webhook \d+ of account/);
    expect(log).not.toContain(token);
  });

  it('keeps the registrations as they were when Jira fails, and renews them at the next tick', async () => {
    emulator.clock.advance(23 * DAY_MS);
    const before = await rows(ada.accountId);
    emulator.inject({ route: 'jira', match: { method: 'PUT' }, status: 503, times: Infinity });
    try {
      expect(await renewal.runOnce()).toMatchObject({ renewed: 0, failed: 5, stopped: 0 });
    } finally {
      emulator.clearFaults();
    }
    const unchanged = (row: WebhookRegistration) => ({
      remoteId: row.remoteId,
      status: row.status,
      expiresAt: row.expiresAt,
      leaseOwner: row.leaseOwner,
    });
    expect((await rows(ada.accountId)).map(unchanged)).toEqual(before.map(unchanged));
    expect(before.every((row) => row.leaseOwner === null)).toBe(true);
    expect(await renewal.runOnce()).toMatchObject({ renewed: 5, failed: 0 });
    for (const row of await rows(ada.accountId))
      expect(row.expiresAt!.getTime()).toBe(emulator.clock.nowMs() + 30 * DAY_MS);
  });
});
