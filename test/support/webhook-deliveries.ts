import { EventEmitterModule } from '@nestjs/event-emitter';
import { createHmac, randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  AtlassianSite,
  WebhookDeliveryRecord,
  WebhookRegistration,
  webhookSecretBinding,
  type EncryptionKeyInput,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import {
  WebhookHandlerProbe,
  WebhookProbeModule,
  WebhookTestController,
} from '../fixtures/webhook-test.controller.js';
import { seedAccounts, tokenCipherFor, type SeededAccount } from './seed-accounts.js';
import { startTestApp, type TestAdapter, type TestApp, type TestAppSetup } from './test-app.js';

/** The client secret `startTestApp` configures: Jira signs deliveries with it. */
export const TEST_CLIENT_SECRET = 'test-secret';
/** 256 KB: Bitbucket's largest payload, the default `webhooks.maxBodyBytes`. */
export const BITBUCKET_MAX_PAYLOAD_BYTES = 256 * 1024;

/** A fixture app with the webhook routes, the handler probe, an event emitter and raw bodies. */
export interface WebhookTestApp {
  app: TestApp;
  probe: WebhookHandlerProbe;
}

export async function startWebhookApp(
  setup: Omit<TestAppSetup, 'rawBodyLimitBytes'> & { adapter?: TestAdapter },
): Promise<WebhookTestApp> {
  const app = await startTestApp({
    ...setup,
    // Above maxBodyBytes, so that the module (not the parser) answers an oversized body, with its code.
    rawBodyLimitBytes: 1024 * 1024,
    imports: [...(setup.imports ?? []), EventEmitterModule.forRoot(), WebhookProbeModule],
    controllers: [...(setup.controllers ?? []), WebhookTestController],
  });
  return { app, probe: app.app.get(WebhookHandlerProbe) };
}

/** An HS256 (or other) JWT as Jira signs a delivery's `Authorization`. */
export function jiraJwt(
  options: {
    secret?: string;
    claims?: Record<string, unknown>;
    header?: Record<string, unknown>;
    hmac?: 'sha256' | 'sha512';
  } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const signed = `${encode(options.header ?? { alg: 'HS256', typ: 'JWT' })}.${encode(
    options.claims ?? { iat: now, exp: now + 180 },
  )}`;
  const signature = createHmac(options.hmac ?? 'sha256', options.secret ?? TEST_CLIENT_SECRET)
    .update(signed)
    .digest('base64url');
  return `${signed}.${signature}`;
}

/** A Jira `jira:issue_updated` body naming `matchedWebhookIds` on the site at `siteUrl`. */
export function issueUpdatedBody(
  matchedWebhookIds: number[],
  siteUrl = 'https://acme.atlassian.net',
) {
  return {
    timestamp: Date.now(),
    webhookEvent: 'jira:issue_updated',
    issue_event_type_name: 'issue_generic',
    issue: { id: '10001', key: 'KAN-1', self: `${siteUrl}/rest/api/2/issue/10001`, fields: {} },
    changelog: { items: [{ field: 'summary', fromString: 'a', toString: 'b' }] },
    matchedWebhookIds,
  };
}

/** POSTs a Jira delivery to the app; `authorization: null` leaves the header out. */
export function postJiraDelivery(
  appUrl: string,
  options: {
    id?: string;
    body?: unknown;
    rawBody?: string;
    authorization?: string | null;
    retry?: number;
  },
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-atlassian-webhook-identifier': options.id ?? randomUUID(),
    'x-atlassian-webhook-retry': String(options.retry ?? 0),
  };
  if (options.authorization !== null)
    headers.authorization = options.authorization ?? `Bearer ${jiraJwt()}`;
  return fetch(`${appUrl}/webhooks/jira`, {
    method: 'POST',
    headers,
    body: options.rawBody ?? JSON.stringify(options.body ?? issueUpdatedBody([])),
  });
}

/** POSTs a Bitbucket delivery; `signature` defaults to the right one for `secret`, `null` leaves it out. */
export function postBitbucketDelivery(
  appUrl: string,
  options: {
    hookUuid: string;
    secret: string;
    rawBody: string;
    id?: string;
    signature?: string | null;
    signedBody?: string;
  },
): Promise<Response> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'x-event-key': 'repo:push',
    'x-hook-uuid': options.hookUuid,
    'x-request-uuid': options.id ?? randomUUID(),
    'x-attempt-number': '1',
  };
  const signature =
    options.signature === undefined
      ? `sha256=${createHmac('sha256', options.secret)
          .update(options.signedBody ?? options.rawBody)
          .digest('hex')}`
      : options.signature;
  if (signature !== null) headers['x-hub-signature'] = signature;
  return fetch(`${appUrl}/webhooks/bitbucket`, {
    method: 'POST',
    headers,
    body: options.rawBody,
  });
}

/** A push body padded with spaces (still JSON) to exactly `bytes` bytes. */
export function pushBodyOf(bytes: number, repository = 'acme/widgets'): string {
  const body = JSON.stringify({ repository: { full_name: repository }, push: { changes: [] } });
  if (bytes < body.length) throw new Error(`a push body has at least ${body.length} bytes`);
  return body.slice(0, -1) + ' '.repeat(bytes - body.length) + '}';
}

/** A linked account (seeded through the emulator) and its Jira site, inserted directly. */
export async function seedAccountWithSite(
  dataSource: DataSource,
  emulator: AtlassianEmulator,
  encryptionKey: EncryptionKeyInput,
  site: { cloudId: string; url: string },
): Promise<SeededAccount> {
  const now = new Date();
  const [account] = await seedAccounts(dataSource, emulator, {
    count: 1,
    encryptionKey,
    clientId: 'test-client',
    accessTokenExpiresAt: new Date(now.getTime() + 3_600_000),
    lastRefreshedAt: now,
    consentedAt: now,
  });
  await addSite(dataSource, account.id, site);
  return account;
}

export async function addSite(
  dataSource: DataSource,
  linkedAccountId: string,
  site: { cloudId: string; url: string },
): Promise<void> {
  await dataSource.getRepository(AtlassianSite).insert({
    linkedAccountId,
    cloudId: site.cloudId,
    url: site.url,
    name: site.cloudId,
    scopes: ['read:jira-work', 'manage:jira-webhook'],
    avatarUrl: null,
  });
}

/** A Jira registration row, as the registration service would leave it. */
export async function seedJiraRegistration(
  dataSource: DataSource,
  linkedAccountId: string,
  cloudId: string,
  createdWebhookId: number,
): Promise<WebhookRegistration> {
  const repository = dataSource.getRepository(WebhookRegistration);
  return repository.save(
    repository.create({
      provider: 'atlassian',
      linkedAccountId,
      target: cloudId,
      remoteId: String(createdWebhookId),
      events: ['jira:issue_updated'],
      jqlFilter: 'project = KAN',
      fieldIdsFilter: null,
      secretEncrypted: null,
      expiresAt: new Date(Date.now() + 30 * 86_400_000),
      lastRenewedAt: new Date(),
    }),
  );
}

/** A Bitbucket hook row with its secret encrypted under the app's key, bound to the row. */
export async function seedBitbucketHook(
  dataSource: DataSource,
  encryptionKey: EncryptionKeyInput,
  linkedAccountId: string,
  secret: string,
  target = 'acme/widgets',
): Promise<WebhookRegistration> {
  const repository = dataSource.getRepository(WebhookRegistration);
  const id = randomUUID();
  return repository.save(
    repository.create({
      id,
      provider: 'bitbucket',
      linkedAccountId,
      target,
      remoteId: `{${randomUUID()}}`,
      events: ['repo:push'],
      jqlFilter: null,
      fieldIdsFilter: null,
      secretEncrypted: tokenCipherFor(encryptionKey).encrypt(secret, webhookSecretBinding(id)),
      expiresAt: null,
      lastRenewedAt: new Date(),
    }),
  );
}

/** The delivery ids the database holds, as `provider deliveryId status`. */
export async function storedDeliveries(dataSource: DataSource): Promise<string[]> {
  const rows = await dataSource.getRepository(WebhookDeliveryRecord).find();
  return rows.map((row) => `${row.provider} ${row.deliveryId} ${row.status}`).sort();
}
