import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianWebhookService,
  WebhookRegistration,
  WebhookRenewalScheduler,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import {
  JIRA_WEBHOOK_APP_SCOPES,
  signInWithOwnSite,
  TEST_JIRA_WEBHOOK_URL,
  type SiteUser,
} from '../support/webhook-users.js';

const DAY_MS = 24 * 3600_000;
const REFRESH = 'PUT /rest/api/3/webhook/refresh';
/** More than one claim's worth, so that both instances get work. */
const SITES = 12;

describe.each(['sqlite', 'postgres'] as const)(
  'Webhook renewal by two instances on one database (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let database: TestDatabase;
    const apps: TestApp[] = [];
    const users: SiteUser[] = [];
    // One deployment: every instance reads the tokens the others stored.
    const encryptionKey = randomBytes(32).toString('base64');

    const start = async () =>
      startTestApp({
        database,
        emulator,
        atlassianScope: JIRA_WEBHOOK_APP_SCOPES,
        options: {
          encryptionKeys: [encryptionKey],
          refreshScheduler: { enabled: false },
          webhooks: { jiraUrl: TEST_JIRA_WEBHOOK_URL, renewalCron: false },
        },
        now: () => emulator.clock.now(),
        sleep: async () => undefined,
      });

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      database = await createTestDatabase(kind);
      apps.push(await start());
      // One registration per site: a site's refresh calls are then that registration's.
      for (let i = 0; i < SITES; i++) {
        const user = await signInWithOwnSite(apps[0], emulator, `wh-many-${i}`);
        await apps[0].app.get(AtlassianWebhookService).registerJira(user.accountId, user.cloudId, {
          events: ['jira:issue_updated'],
          jqlFilter: `project = P${i}`,
        });
        users.push(user);
      }
      // Started after the sign-ins: it registers the same OAuth client with its own callback URL.
      apps.push(await start());
    });
    afterAll(async () => {
      for (const app of apps) await app.close();
      await emulator?.stop();
    });

    it('renew each due registration exactly once when both tick at the same time', async () => {
      emulator.clock.advance(23 * DAY_MS);
      const results = await Promise.all(
        apps.map((app) => app.app.get(WebhookRenewalScheduler).runOnce()),
      );
      expect(results.reduce((sum, result) => sum + result.renewed, 0)).toBe(SITES);
      // Both claimed at once (each claim is sent before either instance's first Jira call returns).
      for (const result of results) expect(result.renewed).toBeGreaterThan(0);
      for (const result of results)
        expect(result).toMatchObject({ failed: 0, stopped: 0, reregistered: 0, superseded: 0 });
      for (const user of users)
        expect(emulator.count('jira', { endpoint: REFRESH, cloudId: user.cloudId })).toBe(1);
      const expiresAt = emulator.clock.nowMs() + 30 * DAY_MS;
      const rows = await apps[0].dataSource.getRepository(WebhookRegistration).find();
      expect(rows).toHaveLength(SITES);
      for (const row of rows) {
        expect(row).toMatchObject({ status: 'active', leaseOwner: null });
        expect(row.expiresAt!.getTime()).toBe(expiresAt);
      }
      // Nothing is due any more, on either instance.
      for (const app of apps)
        expect(await app.app.get(WebhookRenewalScheduler).runOnce()).toMatchObject({ renewed: 0 });
      expect(emulator.count('jira', { endpoint: REFRESH })).toBe(SITES);
    });
  },
);
