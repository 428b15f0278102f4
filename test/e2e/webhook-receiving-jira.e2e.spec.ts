import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookDeliveryRecord, type JiraWebhookEvent } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { newEncryptionKey, type SeededAccount } from '../support/seed-accounts.js';
import { onEachAdapter } from '../support/test-app.js';
import {
  TEST_CLIENT_SECRET,
  addSite,
  issueUpdatedBody,
  jiraJwt,
  postJiraDelivery,
  seedAccountWithSite,
  seedJiraRegistration,
  startWebhookApp,
  storedDeliveries,
  type WebhookTestApp,
} from '../support/webhook-deliveries.js';

const PREVIOUS_SECRET = 'the-secret-before-rotation';
const SITE = { cloudId: 'cloud-acme', url: 'https://acme.atlassian.net' };
const OTHER_SITE = { cloudId: 'cloud-beta', url: 'https://beta.atlassian.net' };

describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Jira deliveries ($adapter, $kind)',
  ({ adapter, kind }) => {
    const encryptionKey = newEncryptionKey('webhooks');
    const logger = new CapturingLogger();
    /** Every JWT sent, to look for in logs and answers. */
    const sentTokens: string[] = [];
    let emulator: AtlassianEmulator;
    let subject: WebhookTestApp;
    let account: SeededAccount;
    let registrationId: string;
    let database: TestDatabase;

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      database = await createTestDatabase(kind);
      subject = await startWebhookApp({
        database,
        emulator,
        adapter,
        logger,
        options: {
          encryptionKeys: [encryptionKey],
          webhooks: { previousClientSecrets: [PREVIOUS_SECRET], clockToleranceMs: 5_000 },
        },
      });
      account = await seedAccountWithSite(subject.app.dataSource, emulator, encryptionKey, SITE);
      registrationId = (
        await seedJiraRegistration(subject.app.dataSource, account.id, SITE.cloudId, 7)
      ).id;
    });
    afterAll(async () => {
      await subject?.app.close();
      await emulator?.stop();
    });

    const deliver = (options: Parameters<typeof postJiraDelivery>[1]) => {
      const authorization =
        options.authorization === undefined ? `Bearer ${jiraJwt()}` : options.authorization;
      const match = /^Bearer (.+)$/.exec(authorization ?? '');
      if (match) sentTokens.push(match[1]);
      return postJiraDelivery(subject.app.url, { ...options, authorization });
    };
    const callsFor = (id: string) => subject.probe.calls.filter((call) => call.deliveryId === id);
    const rowFor = (deliveryId: string) =>
      subject.app.dataSource
        .getRepository(WebhookDeliveryRecord)
        .findOneBy({ provider: 'atlassian', deliveryId });

    it('handles a valid delivery once, traced to its registration, account, user and site', async () => {
      const id = randomUUID();
      const jwt = jiraJwt();
      const response = await deliver({
        id,
        authorization: `Bearer ${jwt}`,
        body: issueUpdatedBody([7]),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: id });
      const calls = callsFor(id) as JiraWebhookEvent[];
      expect(calls).toHaveLength(1);
      expect(calls[0]).toMatchObject({
        provider: 'atlassian',
        deliveryId: id,
        event: 'jira:issue_updated',
        retryCount: 0,
        registrationIds: [registrationId],
        linkedAccountId: account.id,
        userId: account.userId,
        accounts: [{ linkedAccountId: account.id, userId: account.userId }],
        cloudId: SITE.cloudId,
        payload: { issue: { key: 'KAN-1' }, matchedWebhookIds: [7] },
      });
      expect(JSON.stringify(calls[0])).not.toContain(jwt);
      expect(await rowFor(id)).toMatchObject({ status: 'handled', attempts: 1, leaseOwner: null });
    });

    it('acknowledges the same identifier again without handling it twice', async () => {
      const id = randomUUID();
      const first = await deliver({ id, body: issueUpdatedBody([7]) });
      const again = await deliver({ id, body: issueUpdatedBody([7]), retry: 1 });
      expect([first.status, again.status]).toEqual([200, 200]);
      expect(callsFor(id)).toHaveLength(1);
    });

    it('accepts a JWT signed with a previous client secret during a rotation', async () => {
      const id = randomUUID();
      const response = await deliver({
        id,
        authorization: `Bearer ${jiraJwt({ secret: PREVIOUS_SECRET })}`,
      });
      expect(response.status).toBe(200);
      expect(callsFor(id)).toHaveLength(1);
    });

    const now = () => Math.floor(Date.now() / 1000);
    it.each([
      [
        'a forged signature',
        () => `Bearer ${jiraJwt().slice(0, -4)}AAAA`,
        'webhook_signature_invalid',
      ],
      [
        'another secret',
        () => `Bearer ${jiraJwt({ secret: 'not-the-client-secret' })}`,
        'webhook_signature_invalid',
      ],
      [
        'an exp past beyond the leeway',
        () => `Bearer ${jiraJwt({ claims: { iat: now() - 600, exp: now() - 60 } })}`,
        'webhook_signature_expired',
      ],
      [
        'alg none',
        () => {
          const encode = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
          return `Bearer ${encode({ alg: 'none', typ: 'JWT' })}.${encode({ exp: now() + 60 })}.`;
        },
        'webhook_signature_invalid',
      ],
      [
        'HS512 with the right secret',
        () => `Bearer ${jiraJwt({ header: { alg: 'HS512', typ: 'JWT' }, hmac: 'sha512' })}`,
        'webhook_signature_invalid',
      ],
      ['no Authorization header', () => null, 'webhook_signature_invalid'],
      [
        'a malformed token',
        () => 'Bearer eyJhbGciOiJIUzI1NiJ9.not json.sig',
        'webhook_signature_invalid',
      ],
      [
        'a token without exp',
        () => `Bearer ${jiraJwt({ claims: { iat: now() } })}`,
        'webhook_signature_invalid',
      ],
    ])(
      'refuses %s with 401, records nothing and calls no handler',
      async (_case, authorization, code) => {
        const id = randomUUID();
        const response = await deliver({
          id,
          authorization: authorization(),
          body: issueUpdatedBody([7]),
        });
        expect(response.status).toBe(401);
        const body = await response.json();
        expect(body).toMatchObject({ statusCode: 401, code });
        expect(JSON.stringify(body)).not.toContain(TEST_CLIENT_SECRET);
        expect(await rowFor(id)).toBeNull();
        expect(callsFor(id)).toEqual([]);
      },
    );

    it('a handler that fails answers 500 and releases the claim; the retry is handled', async () => {
      const id = randomUUID();
      subject.probe.failNext = 1;
      const failed = await deliver({ id, body: issueUpdatedBody([7]) });
      expect(failed.status).toBe(500);
      expect(await failed.json()).toMatchObject({ code: 'webhook_handler_failed' });
      expect(await rowFor(id)).toMatchObject({ status: 'handling', leaseOwner: null });
      const retried = await deliver({ id, body: issueUpdatedBody([7]), retry: 1 });
      expect(retried.status).toBe(200);
      expect(callsFor(id).map((call) => call.retryCount)).toEqual([0, 1]);
      expect(await rowFor(id)).toMatchObject({ status: 'handled', attempts: 2 });
      const again = await deliver({ id, body: issueUpdatedBody([7]), retry: 2 });
      expect(again.status).toBe(200);
      expect(callsFor(id)).toHaveLength(2);
    });

    it('answers 409 while another instance holds the claim, and takes a lapsed claim over', async () => {
      const repository = subject.app.dataSource.getRepository(WebhookDeliveryRecord);
      const held = randomUUID();
      const lapsed = randomUUID();
      const base = {
        provider: 'atlassian' as const,
        event: 'jira:issue_updated',
        status: 'handling' as const,
      };
      await repository.insert([
        {
          ...base,
          deliveryId: held,
          leaseOwner: 'elsewhere',
          leaseExpiresAt: new Date(Date.now() + 3_600_000),
          forgetAfter: new Date(Date.now() + 86_400_000),
        },
        {
          ...base,
          deliveryId: lapsed,
          leaseOwner: 'crashed',
          leaseExpiresAt: new Date(Date.now() - 60_000),
          forgetAfter: new Date(Date.now() + 86_400_000),
        },
      ]);
      const busy = await deliver({ id: held, body: issueUpdatedBody([7]) });
      expect(busy.status).toBe(409);
      expect(await busy.json()).toMatchObject({ code: 'webhook_delivery_in_progress' });
      expect(callsFor(held)).toEqual([]);
      const taken = await deliver({ id: lapsed, body: issueUpdatedBody([7]), retry: 1 });
      expect(taken.status).toBe(200);
      expect(callsFor(lapsed)).toHaveLength(1);
      expect(await rowFor(lapsed)).toMatchObject({ status: 'handled', attempts: 2 });
    });

    it('publishes a delivery that matches no registration, with the account fields null', async () => {
      const id = randomUUID();
      const response = await deliver({ id, body: issueUpdatedBody([999]) });
      expect(response.status).toBe(200);
      expect(callsFor(id)).toMatchObject([
        { registrationIds: [], linkedAccountId: null, userId: null, accounts: [], cloudId: null },
      ]);
    });

    it('picks the site the issue belongs to when the same webhook id exists on two sites', async () => {
      await addSite(subject.app.dataSource, account.id, OTHER_SITE);
      const onOther = await seedJiraRegistration(
        subject.app.dataSource,
        account.id,
        OTHER_SITE.cloudId,
        7,
      );
      const id = randomUUID();
      const response = await deliver({ id, body: issueUpdatedBody([7], OTHER_SITE.url) });
      expect(response.status).toBe(200);
      expect(callsFor(id)).toMatchObject([
        { registrationIds: [onOther.id], cloudId: OTHER_SITE.cloudId, linkedAccountId: account.id },
      ]);
    });

    it('prunes delivery ids past their retention, and keeps the others', async () => {
      const repository = subject.app.dataSource.getRepository(WebhookDeliveryRecord);
      const old = randomUUID();
      await repository.insert({
        provider: 'atlassian',
        deliveryId: old,
        event: 'jira:issue_updated',
        status: 'handled',
        forgetAfter: new Date(Date.now() - 1_000),
      });
      // A fresh app instance prunes after its first recorded delivery.
      const second = await startWebhookApp({
        database,
        emulator,
        adapter,
        options: { encryptionKeys: [encryptionKey] },
      });
      try {
        const id = randomUUID();
        expect((await postJiraDelivery(second.app.url, { id })).status).toBe(200);
        expect(await repository.findOneBy({ deliveryId: old })).toBeNull();
        expect(await repository.findOneBy({ deliveryId: id })).not.toBeNull();
      } finally {
        await second.app.close();
      }
    });

    it('answers 400 to a signed delivery without an identifier, and records nothing', async () => {
      const before = await storedDeliveries(subject.app.dataSource);
      const response = await fetch(`${subject.app.url}/webhooks/jira`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${jiraJwt()}` },
        body: JSON.stringify(issueUpdatedBody([7])),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'webhook_delivery_invalid' });
      expect(await storedDeliveries(subject.app.dataSource)).toEqual(before);
    });

    it('never logs a client secret or a JWT', () => {
      const logs = logger.lines.join('\n');
      expect(logs).toContain('webhook_signature_invalid');
      for (const secret of [TEST_CLIENT_SECRET, PREVIOUS_SECRET, ...sentTokens])
        expect(logs).not.toContain(secret);
      for (const signature of sentTokens
        .map((token) => token.split('.')[2])
        .filter((signature) => signature?.length >= 20))
        expect(logs).not.toContain(signature);
    });
  },
);
