import type { EmulatorClock } from '../server/emulator-clock.js';
import { parseWebhookJql, type WebhookJql } from './jira-webhook-jql.js';

/** How long a dynamic webhook lives after registration or refresh: Jira's 30 days. */
export const JIRA_WEBHOOK_LIFETIME_MS = 30 * 24 * 3600 * 1000;

/** At most this many live registrations per app, per user, per site. */
export const JIRA_WEBHOOKS_PER_APP_USER_SITE = 5;

/** The events a dynamic webhook may subscribe to. */
export const JIRA_WEBHOOK_EVENTS: readonly string[] = [
  'jira:issue_created',
  'jira:issue_updated',
  'jira:issue_deleted',
  'comment_created',
  'comment_updated',
  'comment_deleted',
  'issue_property_set',
  'issue_property_deleted',
  'sprint_created',
  'sprint_updated',
  'sprint_closed',
  'sprint_deleted',
  'sprint_started',
  'jira:version_released',
  'jira:version_unreleased',
  'jira:version_created',
  'jira:version_moved',
  'jira:version_updated',
  'jira:version_merged',
  'jira:version_deleted',
];

/** Who registered: the app (client id) and the user (or service account) behind the token, on one site. */
export interface JiraWebhookOwner {
  clientId: string;
  accountId: string;
  cloudId: string;
}

/** One item of a registration request, as sent. */
export interface JiraWebhookDetails {
  events: unknown;
  jqlFilter: unknown;
  fieldIdsFilter?: unknown;
  issuePropertyKeysFilter?: unknown;
}

/** A registration as the emulator keeps it. */
export interface JiraWebhook extends JiraWebhookOwner {
  id: number;
  url: string;
  events: string[];
  jqlFilter: string;
  filter: WebhookJql;
  fieldIdsFilter?: string[];
  issuePropertyKeysFilter?: string[];
  expiresAtMs: number;
}

/** Per item: the new id, or why Jira refused it. */
export type JiraRegistrationResult = { createdWebhookId: number } | { errors: string[] };

/**
 * Every site's dynamic webhooks, with Jira's rules: known events, the webhook JQL subset, five live ones per
 * app, user and site, 30 days of life on the emulator clock. An expired registration is neither listed nor
 * delivered; refreshing a live one gives it 30 days from now.
 */
export class JiraWebhookRegistry {
  private readonly webhooks = new Map<number, JiraWebhook>();
  private nextId = 10_000;

  constructor(private readonly clock: EmulatorClock) {}

  /** Register each item for `owner` at `url`; items are judged in order, so the sixth of six new ones fails. */
  register(
    owner: JiraWebhookOwner,
    url: string,
    items: JiraWebhookDetails[],
  ): JiraRegistrationResult[] {
    return items.map((item) => {
      const checked = checkDetails(item);
      if ('errors' in checked) return checked;
      if (this.owned(owner).length >= JIRA_WEBHOOKS_PER_APP_USER_SITE) {
        return {
          errors: [
            `The limit of ${JIRA_WEBHOOKS_PER_APP_USER_SITE} webhooks per app, per user, per site is reached; delete or let expire one first`,
          ],
        };
      }
      const webhook: JiraWebhook = {
        ...owner,
        ...checked,
        id: this.nextId++,
        url,
        expiresAtMs: this.clock.nowMs() + JIRA_WEBHOOK_LIFETIME_MS,
      };
      this.webhooks.set(webhook.id, webhook);
      return { createdWebhookId: webhook.id };
    });
  }

  /** The live registrations `owner` made, oldest first. */
  owned(owner: JiraWebhookOwner): JiraWebhook[] {
    return this.live().filter(
      (webhook) =>
        webhook.clientId === owner.clientId &&
        webhook.accountId === owner.accountId &&
        webhook.cloudId === owner.cloudId,
    );
  }

  /** Give `owner`'s live registrations among `ids` 30 more days from now; returns the new expiry. */
  refresh(owner: JiraWebhookOwner, ids: number[]): number {
    const expiresAtMs = this.clock.nowMs() + JIRA_WEBHOOK_LIFETIME_MS;
    for (const webhook of this.owned(owner))
      if (ids.includes(webhook.id)) webhook.expiresAtMs = expiresAtMs;
    return expiresAtMs;
  }

  /** Remove `owner`'s registrations among `ids`; others' ids are ignored, as Jira does. */
  remove(owner: JiraWebhookOwner, ids: number[]): void {
    for (const webhook of this.owned(owner))
      if (ids.includes(webhook.id)) this.webhooks.delete(webhook.id);
  }

  /** Every live registration, oldest first. */
  live(): JiraWebhook[] {
    const now = this.clock.nowMs();
    return [...this.webhooks.values()].filter((webhook) => webhook.expiresAtMs > now);
  }

  /** Let registration `id` of `cloudId` expire now; false when there is none. */
  expire(cloudId: string, id: number): boolean {
    const webhook = this.webhooks.get(id);
    if (webhook?.cloudId !== cloudId) return false;
    webhook.expiresAtMs = Math.min(webhook.expiresAtMs, this.clock.nowMs());
    return true;
  }

  /** Forget registration `id` of `cloudId`; false when there is none. */
  drop(cloudId: string, id: number): boolean {
    return this.webhooks.get(id)?.cloudId === cloudId && this.webhooks.delete(id);
  }
}

type CheckedDetails = Pick<
  JiraWebhook,
  'events' | 'jqlFilter' | 'filter' | 'fieldIdsFilter' | 'issuePropertyKeysFilter'
>;

function checkDetails(item: JiraWebhookDetails): CheckedDetails | { errors: string[] } {
  const errors: string[] = [];
  const events = stringList(item.events);
  if (!events || events.length === 0) errors.push('The webhook must list at least one event');
  for (const event of events ?? [])
    if (!JIRA_WEBHOOK_EVENTS.includes(event)) errors.push(`Event ${event} is not supported`);
  let filter: WebhookJql | undefined;
  if (typeof item.jqlFilter !== 'string') errors.push('The webhook must have a jqlFilter');
  else {
    const parsed = parseWebhookJql(item.jqlFilter);
    if ('error' in parsed) errors.push(parsed.error);
    else filter = parsed;
  }
  const fieldIdsFilter = optionalList(item.fieldIdsFilter, 'fieldIdsFilter', errors);
  const issuePropertyKeysFilter = optionalList(
    item.issuePropertyKeysFilter,
    'issuePropertyKeysFilter',
    errors,
  );
  if (errors.length > 0 || !events || !filter) return { errors };
  return {
    events,
    jqlFilter: item.jqlFilter as string,
    filter,
    ...(fieldIdsFilter ? { fieldIdsFilter } : {}),
    ...(issuePropertyKeysFilter ? { issuePropertyKeysFilter } : {}),
  };
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) && value.every((entry) => typeof entry === 'string')
    ? [...(value as string[])]
    : undefined;
}

function optionalList(value: unknown, name: string, errors: string[]): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  const list = stringList(value);
  if (!list) errors.push(`${name} must be a list of strings`);
  return list;
}
