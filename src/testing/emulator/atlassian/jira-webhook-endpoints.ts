import { json } from '../server/http-helpers.js';
import { answer, integerParam, jiraBadRequest } from './product-answers.js';
import type { ProductAnswer, ProductCall, ProductEndpoint } from './product-endpoint.js';
import type { JiraWebhook, JiraWebhookDetails, JiraWebhookOwner } from './jira-webhook-registry.js';

const WEBHOOK = '/rest/api/3/webhook';
// The classic scope covers all four; each granular one covers its own verb.
const READ_SCOPES = ['manage:jira-webhook', 'read:webhook:jira'];
const WRITE_SCOPES = ['manage:jira-webhook', 'write:webhook:jira'];
const DELETE_SCOPES = ['manage:jira-webhook', 'delete:webhook:jira'];

/**
 * Jira's dynamic webhook endpoints for OAuth 2.0 apps: register, list, refresh, delete. Each sees only the
 * registrations the calling app made for the calling user on this site. Expiry dates are epoch milliseconds,
 * as the REST API's schema types them (int64).
 */
export const jiraWebhookEndpoints: readonly ProductEndpoint[] = [
  { product: 'jira', method: 'POST', path: WEBHOOK, scopes: WRITE_SCOPES, handle: register },
  { product: 'jira', method: 'GET', path: WEBHOOK, scopes: READ_SCOPES, handle: list },
  {
    product: 'jira',
    method: 'PUT',
    path: `${WEBHOOK}/refresh`,
    scopes: WRITE_SCOPES,
    handle: refresh,
  },
  { product: 'jira', method: 'DELETE', path: WEBHOOK, scopes: DELETE_SCOPES, handle: remove },
];

function register(call: ProductCall): ProductAnswer {
  const { error, value } = call.request.body;
  if (error || !value) return jiraBadRequest([error ?? 'Send a JSON body: { url, webhooks }']);
  const { url, webhooks } = value;
  if (typeof url !== 'string' || !isHttpUrl(url))
    return jiraBadRequest(['url must be an absolute http or https URL']);
  if (!Array.isArray(webhooks) || webhooks.length === 0)
    return jiraBadRequest(['webhooks must be a non-empty list of { events, jqlFilter }']);
  const items = webhooks.map((item): JiraWebhookDetails =>
    typeof item === 'object' && item !== null ? item : { events: undefined, jqlFilter: undefined },
  );
  const webhookRegistrationResult = call.atlassian.webhooks.registry.register(
    ownerOf(call),
    url,
    items,
  );
  return answer(json(200, { webhookRegistrationResult }));
}

function list(call: ProductCall): ProductAnswer {
  const { query } = call.request;
  const startAt = integerParam(query.get('startAt'), 0, 0, Number.MAX_SAFE_INTEGER);
  const maxResults = integerParam(query.get('maxResults'), 100, 1, 100);
  const owned = call.atlassian.webhooks.registry.owned(ownerOf(call));
  const values = owned.slice(startAt, startAt + maxResults).map(describe);
  const total = owned.length;
  const isLast = startAt + values.length >= total;
  return answer(json(200, { startAt, maxResults, total, isLast, values }), values.length);
}

function refresh(call: ProductCall): ProductAnswer {
  const ids = webhookIds(call);
  if (!ids) return jiraBadRequest(['Send a JSON body: { webhookIds: number[] }']);
  const expirationDate = call.atlassian.webhooks.registry.refresh(ownerOf(call), ids);
  return answer(json(200, { expirationDate }));
}

function remove(call: ProductCall): ProductAnswer {
  const ids = webhookIds(call);
  if (!ids) return jiraBadRequest(['Send a JSON body: { webhookIds: number[] }']);
  call.atlassian.webhooks.registry.remove(ownerOf(call), ids);
  return answer({ status: 202, headers: {}, body: '' });
}

function ownerOf({ caller, granted }: ProductCall): JiraWebhookOwner {
  const accountId = caller.user?.accountId ?? caller.serviceAccount!.accountId;
  return { clientId: caller.grant.clientId, accountId, cloudId: granted.site.id };
}

function webhookIds(call: ProductCall): number[] | undefined {
  const ids = call.request.body.value?.webhookIds;
  return Array.isArray(ids) && ids.length > 0 && ids.every((id) => Number.isInteger(id))
    ? (ids as number[])
    : undefined;
}

function describe(webhook: JiraWebhook): Record<string, unknown> {
  return {
    id: webhook.id,
    url: webhook.url,
    jqlFilter: webhook.jqlFilter,
    events: [...webhook.events],
    ...(webhook.fieldIdsFilter ? { fieldIdsFilter: [...webhook.fieldIdsFilter] } : {}),
    ...(webhook.issuePropertyKeysFilter
      ? { issuePropertyKeysFilter: [...webhook.issuePropertyKeysFilter] }
      : {}),
    expirationDate: webhook.expiresAtMs,
  };
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}
