import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BitbucketWebhookEvent, WebhookRegistration } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { newEncryptionKey, type SeededAccount } from '../support/seed-accounts.js';
import { onEachAdapter } from '../support/test-app.js';
import {
  BITBUCKET_MAX_PAYLOAD_BYTES,
  postBitbucketDelivery,
  pushBodyOf,
  seedAccountWithSite,
  seedBitbucketHook,
  startWebhookApp,
  storedDeliveries,
  type WebhookTestApp,
} from '../support/webhook-deliveries.js';

const HOOK_SECRET = 'bitbucket-hook-secret-0123456789abcdef';

describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Bitbucket deliveries ($adapter, $kind)',
  ({ adapter, kind }) => {
    const encryptionKey = newEncryptionKey('webhooks');
    const logger = new CapturingLogger();
    let emulator: AtlassianEmulator;
    let subject: WebhookTestApp;
    let account: SeededAccount;
    let hook: WebhookRegistration;

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      subject = await startWebhookApp({
        database: await createTestDatabase(kind),
        emulator,
        adapter,
        logger,
        options: { encryptionKeys: [encryptionKey] },
      });
      account = await seedAccountWithSite(subject.app.dataSource, emulator, encryptionKey, {
        cloudId: 'cloud-acme',
        url: 'https://acme.atlassian.net',
      });
      hook = await seedBitbucketHook(
        subject.app.dataSource,
        encryptionKey,
        account.id,
        HOOK_SECRET,
      );
    });
    afterAll(async () => {
      await subject?.app.close();
      await emulator?.stop();
    });

    const deliver = (options: Partial<Parameters<typeof postBitbucketDelivery>[1]>) =>
      postBitbucketDelivery(subject.app.url, {
        hookUuid: hook.remoteId,
        secret: HOOK_SECRET,
        rawBody: pushBodyOf(200),
        ...options,
      });
    const callsFor = (id: string) => subject.probe.calls.filter((call) => call.deliveryId === id);

    it('handles a well-signed delivery once, traced to its hook, account and repository', async () => {
      const id = randomUUID();
      const first = await deliver({ id });
      const again = await deliver({ id });
      expect([first.status, again.status]).toEqual([200, 200]);
      const calls = callsFor(id) as BitbucketWebhookEvent[];
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        provider: 'bitbucket',
        event: 'repo:push',
        retryCount: 0,
        registrationIds: [hook.id],
        linkedAccountId: account.id,
        userId: account.userId,
        repository: 'acme/widgets',
      });
      expect(JSON.stringify(calls[0])).not.toContain(HOOK_SECRET);
      expect(await storedDeliveries(subject.app.dataSource)).toContain(`bitbucket ${id} handled`);
    });

    it('accepts a body of exactly 256 KB', async () => {
      const id = randomUUID();
      const response = await deliver({ id, rawBody: pushBodyOf(BITBUCKET_MAX_PAYLOAD_BYTES) });
      expect(response.status).toBe(200);
      expect(callsFor(id)).toHaveLength(1);
    });

    const body = pushBodyOf(200);
    it.each([
      [
        'a wrong signature',
        { signature: `sha256=${'0'.repeat(64)}` },
        401,
        'webhook_signature_invalid',
      ],
      ['another secret', { secret: 'not-the-hook-secret' }, 401, 'webhook_signature_invalid'],
      ['no signature', { signature: null }, 401, 'webhook_signature_invalid'],
      [
        'a body changed by one byte',
        { rawBody: body.replace('widgets', 'widgetz'), signedBody: body },
        401,
        'webhook_signature_invalid',
      ],
      ['an unknown hook', { hookUuid: `{${randomUUID()}}` }, 401, 'webhook_signature_invalid'],
      [
        '256 KB + 1 byte, well signed',
        { rawBody: pushBodyOf(BITBUCKET_MAX_PAYLOAD_BYTES + 1) },
        413,
        'webhook_payload_too_large',
      ],
    ] as const)(
      'refuses %s (%i), records nothing and calls no handler',
      async (_case, change, status, code) => {
        const id = randomUUID();
        const before = await storedDeliveries(subject.app.dataSource);
        const response = await deliver({ id, ...change });
        expect(response.status).toBe(status);
        expect(await response.json()).toMatchObject({ statusCode: status, code });
        expect(await storedDeliveries(subject.app.dataSource)).toEqual(before);
        expect(callsFor(id)).toEqual([]);
      },
    );

    it('never logs the hook secret', () => {
      const logs = logger.lines.join('\n');
      expect(logs).toContain('webhook_payload_too_large');
      expect(logs).not.toContain(HOOK_SECRET);
    });
  },
);
