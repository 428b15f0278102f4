import { Controller, Get, Header, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import {
  AccountLinkService,
  AtlassianApiClient,
  BitbucketApiClient,
  isEligible,
  type LinkedAccountView,
  type SiteView,
} from '../src/index.js';
import { listRepositories } from './bitbucket-repositories.js';
import type { DemoSettings } from './demo-config.js';
import { renderHomePage, type AccountSection, type SiteSection } from './home-page.js';
import { productCalls } from './product-calls.js';
import { currentUserId } from './session/current-user-id.js';
import { DemoWebhookEvents } from './webhooks/demo-webhook-events.js';
import {
  DemoWebhookRegistrations,
  type SiteWebhook,
} from './webhooks/demo-webhook-registrations.js';

/** The demo's one page, rendered on the server: every failure becomes a message on the page, not a 500. */
@Controller()
export class HomeController {
  private readonly atlassianLabel: string;
  private readonly bitbucketLabel: string | undefined;
  private readonly emulatedBitbucket: boolean;
  private readonly emulator: boolean;

  constructor(
    private readonly accountLinks: AccountLinkService,
    private readonly atlassian: AtlassianApiClient,
    private readonly bitbucket: BitbucketApiClient,
    private readonly webhookEvents: DemoWebhookEvents,
    private readonly webhookRegistrations: DemoWebhookRegistrations,
    config: ConfigService<DemoSettings, true>,
  ) {
    const atlassianSettings = config.get('atlassian', { infer: true });
    const bitbucketSettings = config.get('bitbucket', { infer: true });
    this.atlassianLabel = atlassianSettings.emulator
      ? `built-in emulator at ${atlassianSettings.authBaseURL}`
      : atlassianSettings.authBaseURL;
    this.bitbucketLabel =
      bitbucketSettings &&
      (bitbucketSettings.emulator
        ? `built-in emulator at ${bitbucketSettings.authBaseURL}`
        : bitbucketSettings.authBaseURL);
    this.emulatedBitbucket = bitbucketSettings?.emulator ?? false;
    this.emulator = atlassianSettings.emulator;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async home(@Req() req: Request): Promise<string> {
    const userId = currentUserId(req);
    const identities = userId ? await this.accountLinks.identitiesForUser(userId) : [];
    const sections = await Promise.all(
      identities.map(async ({ atlassianAccountId, accounts }) => ({
        atlassianAccountId,
        // Atlassian first, then Bitbucket, whatever order they were linked in.
        accounts: await Promise.all(
          [...accounts]
            .sort((a, b) => a.provider.localeCompare(b.provider))
            .map((account) => this.accountSection(account)),
        ),
      })),
    );
    return renderHomePage({
      atlassianLabel: this.atlassianLabel,
      bitbucketLabel: this.bitbucketLabel,
      userId,
      identities: sections,
      webhookEvents: userId ? this.webhookEvents.latest(userId) : [],
      emulator: this.emulator,
    });
  }

  private async accountSection(account: LinkedAccountView): Promise<AccountSection> {
    // A closed, revoked or re-consent account has no token to call with: show it, call nothing.
    if (account.status !== 'active') return { account, sites: [] };
    if (account.provider === 'bitbucket') {
      const [repositories] = await Promise.allSettled([
        listRepositories(this.bitbucket.forAccount(account.id), this.emulatedBitbucket),
      ]);
      return {
        account,
        sites: [],
        repositories: { list: valueOf(repositories), errors: errorsOf(repositories) },
      };
    }
    const webhooks = await this.webhookRegistrations.ofAccount(account);
    return {
      account,
      sites: await Promise.all(
        account.sites.map((site) => this.siteSection(account, site, webhooks.get(site.cloudId))),
      ),
    };
  }

  /** Jira data for a site with Jira scopes, Confluence spaces for one with Confluence scopes. */
  private async siteSection(
    account: LinkedAccountView,
    site: SiteView,
    webhook: SiteWebhook | undefined,
  ): Promise<SiteSection> {
    const api = this.atlassian.forAccount(account.id);
    const section: SiteSection = { site, webhook };
    if (isEligible(site, 'jira')) {
      const jira = api.jira(site.cloudId);
      const [myself, projects] = await Promise.allSettled([
        productCalls.jiraMyself(jira),
        productCalls.jiraProjects(jira),
      ]);
      section.jira = {
        displayName: valueOf(myself)?.displayName,
        projects: valueOf(projects),
        errors: errorsOf(myself, projects),
      };
    }
    if (isEligible(site, 'confluence')) {
      const [spaces] = await Promise.allSettled([
        productCalls.confluenceSpaces(api.confluence(site.cloudId)),
      ]);
      section.confluence = { spaces: valueOf(spaces), errors: errorsOf(spaces) };
    }
    return section;
  }
}

function valueOf<T>(result: PromiseSettledResult<T>): T | undefined {
  return result.status === 'fulfilled' ? result.value : undefined;
}

function errorsOf(...results: PromiseSettledResult<unknown>[]): string[] {
  return results.flatMap((result) =>
    result.status === 'rejected' ? [(result.reason as Error).message] : [],
  );
}
