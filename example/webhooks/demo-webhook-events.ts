import { Injectable } from '@nestjs/common';
import type { AtlassianWebhookEvent } from '../../src/index.js';

/** One delivery as `GET /api/webhooks/events` lists it. */
export interface DemoWebhookEvent {
  /** The provider's delivery id (the same on retries). */
  id: string;
  /** e.g. `jira:issue_updated`, `repo:push`. */
  event: string;
  /** The Jira site, or null (Bitbucket, or a delivery that matched no registration). */
  cloudId: string | null;
  /** The issue the Jira event is about, or null. */
  issueKey: string | null;
  /** Bitbucket: `workspace/repo_slug`, or null. */
  repository: string | null;
  receivedAt: string;
}

/** How many deliveries the demo keeps per user: a page of recent ones, not a history. */
const KEPT_PER_USER = 50;

/** The latest deliveries of each app user, in memory (a real app would store or act on them). */
@Injectable()
export class DemoWebhookEvents {
  private readonly byUser = new Map<string, DemoWebhookEvent[]>();

  record(delivery: AtlassianWebhookEvent): void {
    const entry: DemoWebhookEvent = {
      id: delivery.deliveryId,
      event: delivery.event,
      cloudId: delivery.provider === 'atlassian' ? delivery.cloudId : null,
      issueKey: delivery.provider === 'atlassian' ? (delivery.payload.issue?.key ?? null) : null,
      repository: delivery.provider === 'bitbucket' ? delivery.repository : null,
      receivedAt: new Date().toISOString(),
    };
    // Several users may watch one site: each of them sees the delivery.
    for (const { userId } of delivery.accounts) {
      const events = this.byUser.get(userId) ?? [];
      events.unshift(entry);
      events.length = Math.min(events.length, KEPT_PER_USER);
      this.byUser.set(userId, events);
    }
  }

  /** Newest first. */
  latest(userId: string): DemoWebhookEvent[] {
    return this.byUser.get(userId) ?? [];
  }
}
