import { randomUUID } from 'node:crypto';
import type { EmulatorSite } from '../emulator.types.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import type { AttemptOutcome, RetryPolicy } from '../webhooks/webhook-deliveries.js';
import type { WebhookSender } from '../webhooks/webhook-sender.js';
import { signHs256Jwt } from '../webhooks/webhook-signatures.js';
import type { StoredIssue } from './jira-issues.js';
import { matchesWebhookJql } from './jira-webhook-jql.js';
import { issueFacts, jiraWebhookPayload, type JiraIssueEvent } from './jira-webhook-payloads.js';
import { JiraWebhookRegistry, type JiraWebhook } from './jira-webhook-registry.js';

/** Statuses Jira retries besides 5xx (and besides no answer at all: connection failures and timeouts). */
export const JIRA_RETRIED_STATUSES: readonly number[] = [408, 409, 425, 429];

/** How long a delivery's JWT is valid, in seconds: the emulator's choice, as Atlassian documents none. */
export const JIRA_WEBHOOK_JWT_TTL_SECONDS = 15 * 60;

/** Jira retries these outcomes, and no other 4xx. */
export function jiraRetryable({ status }: AttemptOutcome): boolean {
  return status === undefined || status >= 500 || JIRA_RETRIED_STATUSES.includes(status);
}

/**
 * Jira's dynamic webhooks: the registrations, and the deliveries an issue change causes. One change gives one
 * POST per app and URL among the live registrations it matches (events, JQL, and for updates the fields
 * filter), listing them all in `matchedWebhookIds`, signed with that app's client secret.
 */
export class JiraWebhooks {
  readonly registry: JiraWebhookRegistry;
  private nextChangelogId = 10_000;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly sender: WebhookSender,
    private readonly retryDelaysMs: readonly number[],
    /** The client secret of an app (OAuth client or service account), by client id. */
    private readonly secretOf: (clientId: string) => string | undefined,
  ) {
    this.registry = new JiraWebhookRegistry(clock);
  }

  /** A fresh changelog id for an update. */
  changelogId(): string {
    return String(this.nextChangelogId++);
  }

  /** Deliver `event` on `issue` (as it is now) to every live registration of `site` it matches. */
  notify(site: EmulatorSite, issue: StoredIssue, event: JiraIssueEvent): void {
    const facts = issueFacts(site, issue);
    const matched = this.registry
      .live()
      .filter(
        (webhook) =>
          webhook.cloudId === site.id &&
          webhook.events.includes(event.webhookEvent) &&
          passesFieldFilter(webhook, event) &&
          matchesWebhookJql(webhook.filter, facts),
      );
    const payload = jiraWebhookPayload(site, issue, event, this.clock.nowMs());
    for (const group of groupByAppAndUrl(matched)) {
      const secret = this.secretOf(group.clientId);
      if (secret === undefined) continue;
      const ids = group.webhooks.map((webhook) => webhook.id);
      this.send(site, group.clientId, group.url, secret, event.webhookEvent, ids, {
        ...payload,
        matchedWebhookIds: ids,
      });
    }
  }

  private send(
    site: EmulatorSite,
    clientId: string,
    url: string,
    secret: string,
    event: string,
    ids: number[],
    payload: Record<string, unknown>,
  ): void {
    const identifier = randomUUID();
    const retry: RetryPolicy = { retryable: jiraRetryable, delaysMs: this.retryDelaysMs };
    this.sender.send({
      provider: 'jira',
      url,
      identifier,
      event,
      registrations: ids,
      body: JSON.stringify(payload),
      retry,
      headers: (attempt) => {
        // Signed afresh on every attempt: a retry half an hour later still carries a valid token.
        const iat = Math.floor(this.clock.nowMs() / 1000);
        const claims = {
          iss: site.id,
          aud: clientId,
          iat,
          exp: iat + JIRA_WEBHOOK_JWT_TTL_SECONDS,
        };
        return {
          'content-type': 'application/json',
          authorization: `Bearer ${signHs256Jwt(claims, secret)}`,
          'x-atlassian-webhook-identifier': identifier,
          'x-atlassian-webhook-retry': String(attempt - 1),
          'x-atlassian-webhook-flow': 'Primary',
        };
      },
    });
  }
}

/** An update reaches a registration with `fieldIdsFilter` only when one of those fields changed. */
function passesFieldFilter(webhook: JiraWebhook, event: JiraIssueEvent): boolean {
  if (event.webhookEvent !== 'jira:issue_updated' || !webhook.fieldIdsFilter) return true;
  return event.changelog.items.some((item) => webhook.fieldIdsFilter!.includes(item.fieldId));
}

function groupByAppAndUrl(
  webhooks: JiraWebhook[],
): Array<{ clientId: string; url: string; webhooks: JiraWebhook[] }> {
  const groups = new Map<string, { clientId: string; url: string; webhooks: JiraWebhook[] }>();
  for (const webhook of webhooks) {
    const key = JSON.stringify([webhook.clientId, webhook.url]);
    const group = groups.get(key) ?? { clientId: webhook.clientId, url: webhook.url, webhooks: [] };
    group.webhooks.push(webhook);
    groups.set(key, group);
  }
  return [...groups.values()];
}
