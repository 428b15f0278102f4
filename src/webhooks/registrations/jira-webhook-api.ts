import type { ProductClient } from '../../clients/product-client.js';

/**
 * Jira's dynamic webhooks for OAuth 2.0 (3LO) apps, as Jira documents them: one place for the paths,
 * bodies, answers, scopes and limits. No Nest inside; the service and the renewal job adapt it.
 */
export const JiraWebhooks = {
  path: '/rest/api/3/webhook',
  refreshPath: '/rest/api/3/webhook/refresh',
  /** Jira refuses a sixth webhook of one app for one user on one site. */
  maxPerUserAndSite: 5,
  /** What a grant needs to register, list, refresh and delete: either set in full. */
  scopes: {
    classic: ['manage:jira-webhook', 'read:jira-work'],
    granular: ['read:webhook:jira', 'write:webhook:jira', 'delete:webhook:jira', 'read:jql:jira'],
  },
} as const;

/** What a Jira webhook is registered for. */
export interface JiraWebhookFilter {
  /** e.g. `jira:issue_updated`, `comment_created`. */
  events: string[];
  /** e.g. `project = PRJ` (Jira allows few fields and operators here). */
  jqlFilter: string;
  /** Fields whose change triggers `jira:issue_updated`; default every field. */
  fieldIdsFilter?: string[];
}

/** One webhook the app and user have on the site, as `GET /rest/api/3/webhook` lists it. */
interface ListedWebhook {
  id: number;
  expirationDate?: number | string;
}

interface RegistrationAnswer {
  webhookRegistrationResult?: Array<{ createdWebhookId?: number; errors?: string[] }>;
}

/** The scopes `granted` lacks for webhooks: none when either set is complete, else the classic set's missing ones. */
export function missingJiraWebhookScopes(granted: readonly string[]): string[] {
  const { classic, granular } = JiraWebhooks.scopes;
  if (granular.every((scope) => granted.includes(scope))) return [];
  return classic.filter((scope) => !granted.includes(scope));
}

/**
 * `expirationDate` as Jira sends it: epoch milliseconds in the schema, an ISO string (with a `+0000`
 * offset) in the examples; either is taken. Null when absent or unreadable.
 */
export function parseJiraDate(value: unknown): Date | null {
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value);
  if (typeof value !== 'string') return null;
  const ms = Date.parse(value.replace(/([+-]\d\d)(\d\d)$/, '$1:$2'));
  return Number.isNaN(ms) ? null : new Date(ms);
}

/** The calls of Jira's webhook resource on one site, for one account (the client's). */
export class JiraWebhookApi {
  constructor(private readonly jira: ProductClient) {}

  /** Registers one webhook; its id, or the errors Jira gave for the item. */
  async register(
    url: string,
    filter: JiraWebhookFilter,
  ): Promise<{ id: string } | { errors: string[] }> {
    const webhook = {
      events: filter.events,
      jqlFilter: filter.jqlFilter,
      ...(filter.fieldIdsFilter && { fieldIdsFilter: filter.fieldIdsFilter }),
    };
    const answer = await this.jira.post<RegistrationAnswer>(
      JiraWebhooks.path,
      { url, webhooks: [webhook] },
      { scopes: ['manage:jira-webhook'] },
    );
    const item = answer?.webhookRegistrationResult?.[0];
    if (typeof item?.createdWebhookId === 'number') return { id: String(item.createdWebhookId) };
    return { errors: item?.errors?.length ? item.errors : ['Jira answered without a webhook id'] };
  }

  /** The app's and user's webhooks on the site that Jira still has, by id, with their expiry. */
  async list(): Promise<Map<string, Date | null>> {
    const listed = new Map<string, Date | null>();
    for await (const webhook of this.jira.paginateOffset<ListedWebhook>(JiraWebhooks.path)) {
      listed.set(String(webhook.id), parseJiraDate(webhook.expirationDate));
    }
    return listed;
  }

  /** Extends the webhooks by Jira's 30 days; the new expiry, when Jira gives one. */
  async refresh(ids: string[]): Promise<Date | null> {
    const answer = await this.jira.put<{ expirationDate?: unknown }>(
      JiraWebhooks.refreshPath,
      { webhookIds: ids.map(Number) },
      { scopes: ['manage:jira-webhook'] },
    );
    return parseJiraDate(answer?.expirationDate);
  }

  /** Deletes the webhooks (ids Jira does not know are ignored by Jira). */
  async delete(ids: string[]): Promise<void> {
    await this.jira.delete(JiraWebhooks.path, {
      body: { webhookIds: ids.map(Number) },
      scopes: ['manage:jira-webhook'],
    });
  }
}
