import { Injectable } from '@nestjs/common';
import type { LinkedAccountView } from '../../accounts/linked-account.view.js';
import { AtlassianApiClient } from '../../clients/atlassian-api.client.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import { AtlassianSiteSelectionError } from '../../errors/api-errors.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookRegistrationError } from '../../errors/webhook-registration.error.js';
import {
  JiraWebhookApi,
  JiraWebhooks,
  missingJiraWebhookScopes,
  type JiraWebhookFilter,
} from './jira-webhook-api.js';

const JIRA_WEBHOOK_LIFETIME_MS = 30 * 24 * 3600_000;

/** A webhook Jira created: its id and when it expires. */
export interface CreatedJiraWebhook {
  remoteId: string;
  expiresAt: Date;
}

/**
 * Jira's webhook resource for one linked account, through the API client (its tokens, retries and
 * rate limits): the checks made before calling Jira, and registering so that nothing is left at
 * Jira when the registration cannot be completed. Shared by the service and the renewal job.
 * @internal
 */
@Injectable()
export class JiraWebhookRegistrar {
  constructor(
    private readonly api: AtlassianApiClient,
    private readonly clock: AtlassianClock,
  ) {}

  /** The account's webhook resource on the site. */
  on(accountId: string, cloudId: string): JiraWebhookApi {
    return new JiraWebhookApi(this.api.forAccount(accountId).jira(cloudId));
  }

  /** Throws unless the site is the account's and its grant there has the webhook scopes. */
  assertMayRegister(account: LinkedAccountView, cloudId: string): void {
    const site = account.sites.find((candidate) => candidate.cloudId === cloudId);
    if (!site) {
      throw new AtlassianSiteSelectionError(
        AtlassianErrorCode.SiteNotFound,
        'jira',
        account.sites,
        `Site ${cloudId} is not one of this account's sites: choose one of its sites, or have the user connect again and grant it.`,
      );
    }
    const missing = missingJiraWebhookScopes(site.scopes);
    if (missing.length > 0) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookScopesMissing,
        `Registering a Jira webhook needs the scopes ${JiraWebhooks.scopes.classic.join(' and ')} (or the granular ${JiraWebhooks.scopes.granular.join(', ')}); the grant on ${site.url} lacks ${missing.join(' ')}. Add them to atlassian.scope and have the user connect again.`,
        missing,
      );
    }
  }

  /** Throws when `active` registrations already fill Jira's limit for this user and site. */
  assertUnderLimit(active: number, cloudId: string): void {
    if (active >= JiraWebhooks.maxPerUserAndSite) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookLimitReached,
        `This account already has ${active} active Jira webhooks on site ${cloudId}, Jira's limit per app and user: remove one (or widen the JQL of one) first.`,
      );
    }
  }

  /**
   * Registers one webhook and reads its expiry back from Jira's list (the registration answer has
   * none). A refused item throws `webhook_rejected`; when the expiry cannot be read, the new webhook
   * is deleted again before the error is thrown.
   */
  async register(
    accountId: string,
    cloudId: string,
    url: string,
    filter: JiraWebhookFilter,
  ): Promise<CreatedJiraWebhook> {
    const jira = this.on(accountId, cloudId);
    const result = await jira.register(url, filter);
    if ('errors' in result) {
      throw new AtlassianWebhookRegistrationError(
        AtlassianErrorCode.WebhookRejected,
        `Jira refused the webhook: ${result.errors.join('; ')}`,
        [],
        result.errors,
      );
    }
    try {
      const listed = await jira.list();
      // Not listed (Jira's list lags behind): Jira's documented lifetime from now.
      const expiresAt =
        listed.get(result.id) ?? new Date(this.clock.now().getTime() + JIRA_WEBHOOK_LIFETIME_MS);
      return { remoteId: result.id, expiresAt };
    } catch (err) {
      await jira.delete([result.id]).catch(() => undefined);
      throw err;
    }
  }

  /** Deletes webhooks at Jira. */
  delete(accountId: string, cloudId: string, remoteIds: string[]): Promise<void> {
    return this.on(accountId, cloudId).delete(remoteIds);
  }
}
