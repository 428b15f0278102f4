import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { newEncryptionKey } from '../support/seed-accounts.js';
import {
  issueUpdatedBody,
  postJiraDelivery,
  seedAccountWithSite,
  seedJiraRegistration,
  startWebhookApp,
  storedDeliveries,
  type WebhookTestApp,
} from '../support/webhook-deliveries.js';

/**
 * Two app instances (one on Express, one on Fastify) on one PostgreSQL database, as two replicas
 * behind a load balancer: Jira's retry of a delivery, or the same delivery sent twice, can reach both
 * at once. Each delivery id must reach the handlers once in all.
 */
describe('the same delivery to two instances at once (postgres)', () => {
  const encryptionKey = newEncryptionKey('webhooks');
  let emulator: AtlassianEmulator;
  let instances: WebhookTestApp[] = [];

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    const database = await createTestDatabase('postgres');
    const options = { encryptionKeys: [encryptionKey] };
    instances = [
      await startWebhookApp({ database, emulator, adapter: 'express', options }),
      await startWebhookApp({ database, emulator, adapter: 'fastify', options }),
    ];
    const account = await seedAccountWithSite(
      instances[0].app.dataSource,
      emulator,
      encryptionKey,
      {
        cloudId: 'cloud-acme',
        url: 'https://acme.atlassian.net',
      },
    );
    await seedJiraRegistration(instances[0].app.dataSource, account.id, 'cloud-acme', 3);
  });
  afterAll(async () => {
    for (const instance of instances) await instance.app.close();
    await emulator?.stop();
  });

  const callsFor = (id: string) =>
    instances.flatMap((instance) => instance.probe.calls).filter((call) => call.deliveryId === id);
  const sendToBoth = (id: string) =>
    instances.map((instance) =>
      postJiraDelivery(instance.app.url, { id, body: issueUpdatedBody([3]) }),
    );

  it('while one instance handles it, the other answers 409; the retry is acknowledged, handled once', async () => {
    for (let round = 0; round < 3; round++) {
      const id = randomUUID();
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      for (const instance of instances) instance.probe.gate = gate;
      const responses = sendToBoth(id);
      // The claimer waits on the gate, so the first answer is the other instance's.
      const first = await Promise.race(responses);
      expect(first.status).toBe(409);
      expect(await first.json()).toMatchObject({ code: 'webhook_delivery_in_progress' });
      release();
      expect((await Promise.all(responses)).map((r) => r.status).sort()).toEqual([200, 409]);
      for (const instance of instances) instance.probe.gate = undefined;
      const retries = await Promise.all(sendToBoth(id));
      expect(retries.map((r) => r.status)).toEqual([200, 200]);
      expect(callsFor(id)).toHaveLength(1);
      expect(await storedDeliveries(instances[0].app.dataSource)).toContain(
        `atlassian ${id} handled`,
      );
    }
  });

  it('sent to both with no handler held, each id is handled once (200 or 409, never twice)', async () => {
    const ids = Array.from({ length: 20 }, () => randomUUID());
    const statuses = (await Promise.all(ids.flatMap((id) => sendToBoth(id)))).map((r) => r.status);
    expect(statuses.every((status) => status === 200 || status === 409)).toBe(true);
    for (const id of ids) expect(callsFor(id)).toHaveLength(1);
  });
});
