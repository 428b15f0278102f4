import { Injectable, Logger } from '@nestjs/common';
import {
  AtlassianApiClient,
  AtlassianWebhookService,
  isEligible,
  type LinkedAccountView,
  type SiteView,
  type WebhookRegistrationView,
} from '../../src/index.js';
import { productCalls } from '../product-calls.js';

/** The Jira events the demo listens to. */
const DEMO_EVENTS = ['jira:issue_created', 'jira:issue_updated', 'comment_created'];
/** Scopes that let an app register Jira webhooks: the classic one, or the granular write scope. */
const WEBHOOK_SCOPES = ['manage:jira-webhook', 'write:webhook:jira'];

/** A site's webhook, as the page shows it: the registration, or why there is none. */
export interface SiteWebhook {
  registration?: WebhookRegistrationView;
  error?: string;
}

/**
 * After Connect Atlassian, registers one Jira webhook per site whose grant allows it (its projects'
 * issue and comment events), unless one is registered already; the library renews it from then on.
 */
@Injectable()
export class DemoWebhookRegistrations {
  private readonly logger = new Logger('DemoWebhooks');
  /** Why the last registration for an account and site failed: shown on the page. */
  private readonly errors = new Map<string, string>();

  constructor(
    private readonly webhooks: AtlassianWebhookService,
    private readonly atlassian: AtlassianApiClient,
  ) {}

  /** True when the site's grant lets the app register webhooks. */
  static allows(site: SiteView): boolean {
    return isEligible(site, 'jira') && site.scopes.some((scope) => WEBHOOK_SCOPES.includes(scope));
  }

  /** Registers what is missing; failures are remembered for the page, never thrown. */
  async ensureFor(account: LinkedAccountView): Promise<void> {
    if (account.provider !== 'atlassian') return;
    let registered: Set<string>;
    try {
      registered = new Set(
        (await this.webhooks.list(account.id))
          .filter((registration) => registration.status === 'active')
          .map((registration) => registration.target),
      );
    } catch (err) {
      this.logger.warn(`Could not list the webhooks: ${(err as Error).message}`);
      return;
    }
    for (const site of account.sites) {
      if (!DemoWebhookRegistrations.allows(site) || registered.has(site.cloudId)) continue;
      const key = `${account.id}:${site.cloudId}`;
      try {
        const projects = await productCalls.jiraProjects(
          this.atlassian.forAccount(account.id).jira(site.cloudId),
        );
        if (projects.length === 0) throw new Error('the site has no project to watch');
        await this.webhooks.registerJira(account.id, site.cloudId, {
          events: DEMO_EVENTS,
          jqlFilter: `project IN (${projects.map((project) => project.key).join(', ')})`,
        });
        this.errors.delete(key);
      } catch (err) {
        this.errors.set(key, (err as Error).message);
        this.logger.warn(`No webhook for site ${site.name}: ${(err as Error).message}`);
      }
    }
  }

  /** Each site's webhook (or why there is none), by cloudId. */
  async ofAccount(account: LinkedAccountView): Promise<Map<string, SiteWebhook>> {
    const bySite = new Map<string, SiteWebhook>();
    for (const registration of await this.webhooks.list(account.id))
      bySite.set(registration.target, { registration });
    for (const site of account.sites) {
      const error = this.errors.get(`${account.id}:${site.cloudId}`);
      if (error && !bySite.has(site.cloudId)) bySite.set(site.cloudId, { error });
    }
    return bySite;
  }
}
