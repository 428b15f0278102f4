import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';

/**
 * The event names webhook deliveries are published under, through `@nestjs/event-emitter`:
 * `@OnEvent(AtlassianWebhookEvents.jira('jira:issue_updated'), { suppressErrors: false })`.
 */
export const AtlassianWebhookEvents = {
  /** `atlassian.webhook.<webhookEvent>`, e.g. `atlassian.webhook.jira:issue_updated`, `atlassian.webhook.comment_created`. */
  jira: (webhookEvent: string): string => `atlassian.webhook.${webhookEvent}`,
  /** `atlassian.webhook.bitbucket.<X-Event-Key>`, e.g. `atlassian.webhook.bitbucket.repo:push`. */
  bitbucket: (eventKey: string): string => `atlassian.webhook.bitbucket.${eventKey}`,
} as const;

/** A linked account whose webhook registration the delivery matched. */
export interface WebhookAccount {
  linkedAccountId: string;
  /** The app user who owns it. */
  userId: string;
}

/** What every published delivery carries; never a secret, a token or the JWT. */
export interface WebhookDeliveryEventBase<P> {
  provider: LinkedAccountProvider;
  /** The provider's delivery id (`X-Atlassian-Webhook-Identifier`, `X-Request-UUID`): the same on retries. */
  deliveryId: string;
  /** The provider's event name: Jira's `webhookEvent`, Bitbucket's `X-Event-Key`. */
  event: string;
  /** 0 on the first attempt, then 1, 2, … */
  retryCount: number;
  /** The `WebhookRegistration` ids the delivery matched; empty when it matched none. */
  registrationIds: string[];
  /** The linked account when the matched registrations belong to exactly one; else null (see `accounts`). */
  linkedAccountId: string | null;
  /** That account's app user, or null. */
  userId: string | null;
  /** Every linked account the matched registrations belong to (several users can watch one site). */
  accounts: WebhookAccount[];
  /** The provider's JSON body, as received. */
  payload: P;
}

/** The body of a Jira delivery, as far as the module reads it; everything else is there too. */
export interface JiraWebhookPayload {
  /** e.g. `jira:issue_updated`, `comment_created`. */
  webhookEvent: string;
  timestamp?: number;
  issue_event_type_name?: string;
  /** The ids (`createdWebhookId`) of the app's registrations this event matched. */
  matchedWebhookIds?: number[];
  issue?: { id: string; key: string; self: string; fields?: Record<string, unknown> };
  [field: string]: unknown;
}

/** A Jira delivery, as published under `atlassian.webhook.<webhookEvent>`. */
export interface JiraWebhookEvent<
  P extends JiraWebhookPayload = JiraWebhookPayload,
> extends WebhookDeliveryEventBase<P> {
  provider: 'atlassian';
  /** The site the matched registrations are on, or null when none matched. */
  cloudId: string | null;
}

/** A Bitbucket delivery, as published under `atlassian.webhook.bitbucket.<X-Event-Key>`. */
export interface BitbucketWebhookEvent<
  P extends Record<string, unknown> = Record<string, unknown>,
> extends WebhookDeliveryEventBase<P> {
  provider: 'bitbucket';
  /** `workspace/repo_slug` of the payload's repository, or of the hook's, or null (a workspace event). */
  repository: string | null;
}

/** Either delivery: what `@VerifiedWebhookDelivery()` gives a route. */
export type AtlassianWebhookEvent = JiraWebhookEvent | BitbucketWebhookEvent;
