import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWithBearer } from '../../../../test/support/emulator-api-call.js';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID, DEFAULT_EMULATOR_CLOUD_IDS } from '../emulator-defaults.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const DAY_MS = 24 * 3600 * 1000;
const URL = 'https://app.example.com/webhooks/jira';
const ITEM = { events: ['jira:issue_updated'], jqlFilter: 'project = ACME' };

describe('Jira dynamic webhook endpoints', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const webhookUrl = (cloudId: string = acme, path = '') =>
    `${emulator.apiBaseURL}/ex/jira/${cloudId}/rest/api/3/webhook${path}`;
  const register = (webhooks: unknown[], bearer = token, cloudId: string = acme) =>
    callWithBearer(webhookUrl(cloudId), bearer, 'POST', { url: URL, webhooks });
  const list = (bearer = token, query = '') => callWithBearer(`${webhookUrl()}${query}`, bearer);

  // Access tokens live an hour on the same clock: days later, the app holds a refreshed one.
  const freshToken = () => {
    token = emulator.issueTokens({ scopes: ['manage:jira-webhook'] }).access_token;
  };

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-05-01T00:00:00Z') });
    token = emulator.issueTokens({
      scopes: ['manage:jira-webhook', 'read:jira-work'],
    }).access_token;
  });
  afterEach(() => emulator.stop());

  it('registers per item: ids for good ones, errors for an unknown event and for JQL outside the subset', async () => {
    const answer = await register([
      ITEM,
      { events: ['jira:issue_exploded'], jqlFilter: 'project = ACME' },
      { events: ['jira:issue_created'], jqlFilter: 'project ~ "ACME"' },
      { events: ['comment_created'], jqlFilter: 'project is not EMPTY' },
      { events: ['jira:issue_created'], jqlFilter: 'project = ACME ORDER BY created' },
      { events: ['jira:issue_created'], jqlFilter: 'project IN (ACME, OPS) AND status != Done' },
    ]);
    expect(answer.status).toBe(200);
    const results = answer.body.webhookRegistrationResult;
    expect(results).toHaveLength(6);
    expect(results[0]).toEqual({ createdWebhookId: expect.any(Number) });
    expect(results[1]).toEqual({ errors: ['Event jira:issue_exploded is not supported'] });
    expect(results[2].errors[0]).toMatch(/^Operator ~ is unsupported/);
    expect(results[3]).toEqual({ errors: ['Operator is not is unsupported'] });
    expect(results[4].errors[0]).toMatch(/ORDER BY is unsupported/);
    expect(results[5]).toEqual({ createdWebhookId: expect.any(Number) });
    expect(emulator.webhookRegistrations({ provider: 'jira' })).toHaveLength(2);
  });

  it('refuses a field outside the subset, an empty filter, and a body without url or webhooks', async () => {
    const [field, empty] = (
      await register([
        { events: ['jira:issue_created'], jqlFilter: 'labels = urgent' },
        { events: ['jira:issue_created'], jqlFilter: '' },
      ])
    ).body.webhookRegistrationResult;
    expect(field.errors[0]).toMatch(/^Field labels is unsupported/);
    expect(empty.errors[0]).toMatch(/must not be empty/);
    const noUrl = await callWithBearer(webhookUrl(), token, 'POST', { webhooks: [ITEM] });
    expect(noUrl).toEqual({
      status: 400,
      body: { errorMessages: ['url must be an absolute http or https URL'], errors: {} },
    });
    expect((await callWithBearer(webhookUrl(), token, 'POST', { url: URL })).status).toBe(400);
  });

  it('refuses the sixth live registration of one app, user and site, not the first on another site', async () => {
    const five = await register(Array.from({ length: 5 }, () => ITEM));
    expect(five.body.webhookRegistrationResult.every((r: object) => 'createdWebhookId' in r)).toBe(
      true,
    );
    const sixth = await register([ITEM]);
    expect(sixth.body.webhookRegistrationResult[0].errors[0]).toMatch(/limit of 5 webhooks/);
    expect(
      (await register([ITEM], token, globex)).body.webhookRegistrationResult[0],
    ).toHaveProperty('createdWebhookId');
    // An expired one no longer counts.
    const [first] = emulator.webhookRegistrations({ cloudId: acme });
    emulator.expireWebhook(acme, (first as { id: number }).id);
    expect((await register([ITEM])).body.webhookRegistrationResult[0]).toHaveProperty(
      'createdWebhookId',
    );
  });

  it('answers 401 without a webhook scope; each granular scope opens its own verb', async () => {
    const readOnly = emulator.issueTokens({ scopes: ['read:jira-work'] }).access_token;
    expect(await register([ITEM], readOnly)).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
    const granularRead = emulator.issueTokens({ scopes: ['read:webhook:jira'] }).access_token;
    expect((await list(granularRead)).status).toBe(200);
    expect((await register([ITEM], granularRead)).status).toBe(401);
    const granularWrite = emulator.issueTokens({ scopes: ['write:webhook:jira'] }).access_token;
    expect((await register([ITEM], granularWrite)).status).toBe(200);
    const deletion = { webhookIds: [1] };
    expect((await callWithBearer(webhookUrl(), granularWrite, 'DELETE', deletion)).status).toBe(
      401,
    );
    const granularDelete = emulator.issueTokens({ scopes: ['delete:webhook:jira'] }).access_token;
    expect((await callWithBearer(webhookUrl(), granularDelete, 'DELETE', deletion)).status).toBe(
      202,
    );
  });

  it('lists only the calling app and user’s live registrations, paged, with expirationDate in epoch ms', async () => {
    await register([ITEM, { ...ITEM, fieldIdsFilter: ['summary'] }]);
    emulator.addUser({
      accountId: 'grace',
      name: 'Grace Hopper',
      sites: [{ id: acme, name: 'acme', url: 'https://acme.atlassian.net' }],
    });
    const graceToken = emulator.issueTokens({
      accountId: 'grace',
      scopes: ['manage:jira-webhook'],
    }).access_token;
    await register([ITEM], graceToken);
    const page = await list(token, '?startAt=1&maxResults=1');
    expect(page.body).toEqual({
      startAt: 1,
      maxResults: 1,
      total: 2,
      isLast: true,
      values: [
        {
          id: expect.any(Number),
          url: URL,
          jqlFilter: 'project = ACME',
          events: ['jira:issue_updated'],
          fieldIdsFilter: ['summary'],
          expirationDate: Date.parse('2026-05-31T00:00:00Z'),
        },
      ],
    });
    expect((await list(graceToken)).body.total).toBe(1);
    expect(emulator.webhookRegistrations({ accountId: DEFAULT_EMULATOR_ACCOUNT_ID })).toHaveLength(
      2,
    );
  });

  it('expires a registration 30 days after it was made unless refreshed; refresh counts from now', async () => {
    const [a, b] = (await register([ITEM, ITEM])).body.webhookRegistrationResult.map(
      (r: { createdWebhookId: number }) => r.createdWebhookId,
    );
    emulator.clock.advance(23 * DAY_MS);
    freshToken();
    const refreshed = await callWithBearer(webhookUrl(acme, '/refresh'), token, 'PUT', {
      webhookIds: [a],
    });
    expect(refreshed).toEqual({
      status: 200,
      body: { expirationDate: Date.parse('2026-05-24T00:00:00Z') + 30 * DAY_MS },
    });
    emulator.clock.advance(7 * DAY_MS);
    freshToken();
    // b reached its 30 days: gone from the list; a lives on.
    expect((await list()).body.values.map((v: { id: number }) => v.id)).toEqual([a]);
    emulator.clock.advance(23 * DAY_MS);
    freshToken();
    expect((await list()).body.total).toBe(0);
    // Refreshing an expired one does not revive it.
    await callWithBearer(webhookUrl(acme, '/refresh'), token, 'PUT', { webhookIds: [a, b] });
    expect((await list()).body.total).toBe(0);
  });

  it('deletes only the caller’s own registrations (202), ignoring other ids', async () => {
    const [a, b] = (await register([ITEM, ITEM])).body.webhookRegistrationResult.map(
      (r: { createdWebhookId: number }) => r.createdWebhookId,
    );
    const removed = await callWithBearer(webhookUrl(), token, 'DELETE', {
      webhookIds: [a, 999_999],
    });
    expect(removed).toEqual({ status: 202, body: undefined });
    expect((await list()).body.values.map((v: { id: number }) => v.id)).toEqual([b]);
    expect((await callWithBearer(webhookUrl(), token, 'DELETE', {})).status).toBe(400);
    emulator.dropWebhookRegistration(acme, b);
    expect((await list()).body.total).toBe(0);
  });
});
