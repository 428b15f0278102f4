import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianWebhookService,
  WebhookDeliveryRecord,
  type BitbucketWebhookEvent,
  type JiraWebhookEvent,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { BITBUCKET_UNDER_TEST, OAuthFlowDriver } from '../support/oauth-provider-flow.js';
import { TEST_BITBUCKET_CONSUMER } from '../support/test-app.js';
import { startWebhookApp, type WebhookTestApp } from '../support/webhook-deliveries.js';
import {
  JIRA_WEBHOOK_APP_SCOPES,
  signInWithOwnSite,
  type SiteUser,
} from '../support/webhook-users.js';

/**
 * The whole loop with real parts: the app registers through the service, the emulator (playing Jira
 * and Bitbucket) delivers signed requests over HTTP when an issue changes or a repository is pushed
 * to, retries what fails with the same identifier, and the app verifies, records and hands each
 * delivery to its handlers once.
 */
describe.each(['sqlite', 'postgres'] as const)(
  'webhooks end to end with the emulator (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let subject: WebhookTestApp;
    let webhooks: AtlassianWebhookService;
    let ada: SiteUser;

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start({ webhookRetryDelaysMs: [20, 40, 80] });
      subject = await startWebhookApp({
        database: await createTestDatabase(kind),
        emulator,
        bitbucket: true,
        atlassianScope: JIRA_WEBHOOK_APP_SCOPES,
        // The deliveries' JWTs expire by the emulator's clock: the app judges them by the same one.
        now: () => emulator.clock.now(),
        optionsForUrl: (url) => ({
          webhooks: {
            jiraUrl: `${url}/webhooks/jira`,
            bitbucketUrl: `${url}/webhooks/bitbucket`,
            renewalCron: false,
          },
        }),
      });
      webhooks = subject.app.app.get(AtlassianWebhookService);
      ada = await signInWithOwnSite(subject.app, emulator, `e2e-ada-${kind}`);
      emulator.createIssue(ada.cloudId, { key: 'KAN-1', summary: 'First' });
    });
    afterAll(async () => {
      await subject?.app.close();
      await emulator?.stop();
    });

    const recorded = (provider: 'atlassian' | 'bitbucket') =>
      subject.app.dataSource.getRepository(WebhookDeliveryRecord).countBy({ provider });

    it('delivers an issue update to the registered app, handled once and traced to the account and site', async () => {
      const registration = await webhooks.registerJira(ada.accountId, ada.cloudId, {
        events: ['jira:issue_updated'],
        jqlFilter: 'project = KAN',
      });
      subject.probe.calls.length = 0;
      emulator.updateIssue(ada.cloudId, 'KAN-1', { summary: 'Second' });
      await emulator.settleWebhooks();

      const attempts = emulator.webhookDeliveries().filter((d) => d.provider === 'jira');
      expect(attempts.map((d) => [d.attempt, d.status])).toEqual([[1, 200]]);
      expect(subject.probe.calls).toHaveLength(1);
      const event = subject.probe.calls[0] as JiraWebhookEvent;
      expect(event).toMatchObject({
        provider: 'atlassian',
        deliveryId: attempts[0].identifier,
        event: 'jira:issue_updated',
        registrationIds: [registration.id],
        linkedAccountId: ada.accountId,
        userId: ada.userId,
        cloudId: ada.cloudId,
        payload: { issue: { key: 'KAN-1' } },
      });
      expect(await recorded('atlassian')).toBe(1);
    });

    it('a handler that fails answers 5xx; Jira retries with the same identifier and the retry is handled once', async () => {
      subject.probe.calls.length = 0;
      const before = emulator.webhookDeliveries().length;
      subject.probe.failNext = 1;
      emulator.updateIssue(ada.cloudId, 'KAN-1', { summary: 'Third' });
      await emulator.settleWebhooks();

      const attempts = emulator.webhookDeliveries().slice(before);
      expect(attempts.map((d) => [d.attempt, d.status])).toEqual([
        [1, 500],
        [2, 200],
      ]);
      expect(new Set(attempts.map((d) => d.identifier)).size).toBe(1);
      // Called twice (the failure, then the retry); handled, and recorded, once.
      expect(subject.probe.calls.map((call) => call.deliveryId)).toEqual([
        attempts[0].identifier,
        attempts[0].identifier,
      ]);
      expect(await recorded('atlassian')).toBe(2);
    });

    it('delivers a push to a repository hook, verified with the hook secret the app generated', async () => {
      emulator.registerBitbucketConsumer({
        ...TEST_BITBUCKET_CONSUMER,
        callbackURL: subject.app.bitbucketCallbackURL,
        scopes: ['account', 'email', 'repository', 'webhook'],
      });
      emulator.addUser({
        accountId: `e2e-bb-${kind}`,
        name: 'Bee',
        bitbucket: { workspaces: [{ slug: `bee-${kind}`, repositories: [{ name: 'api' }] }] },
      });
      const bitbucket = new OAuthFlowDriver(
        BITBUCKET_UNDER_TEST,
        () => subject.app,
        () => emulator,
      );
      const { account } = await bitbucket.signInOk({}, { accountId: `e2e-bb-${kind}` });
      const hook = await webhooks.registerBitbucket(account.id, {
        workspace: `bee-${kind}`,
        repository: 'api',
        events: ['repo:push'],
      });
      subject.probe.calls.length = 0;
      emulator.pushToRepository(`bee-${kind}`, 'api');
      await emulator.settleWebhooks();

      const attempts = emulator.webhookDeliveries().filter((d) => d.provider === 'bitbucket');
      expect(attempts.map((d) => d.status)).toEqual([200]);
      expect(subject.probe.calls).toHaveLength(1);
      expect(subject.probe.calls[0] as BitbucketWebhookEvent).toMatchObject({
        provider: 'bitbucket',
        event: 'repo:push',
        deliveryId: attempts[0].identifier,
        registrationIds: [hook.id],
        linkedAccountId: account.id,
        repository: `bee-${kind}/api`,
      });
      expect(await recorded('bitbucket')).toBe(1);
    });
  },
);
