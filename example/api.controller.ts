import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import {
  AccountLinkService,
  AtlassianApiClient,
  type AtlassianAccountApi,
  type LinkedAccountView,
  type SiteView,
} from '../src/index.js';
import {
  productCalls,
  type ConfluenceSpace,
  type JiraMyself,
  type JiraProject,
} from './product-calls.js';
import { CurrentUserId } from './session/current-user-id.js';
import { DemoWebhookEvents, type DemoWebhookEvent } from './webhooks/demo-webhook-events.js';
import { SignedInGuard } from './session/signed-in.guard.js';

/** What `GET /api/me` answers: never a token. */
export interface MeResponse {
  userId: string;
  accounts: Array<Omit<LinkedAccountView, 'sites'>>;
  sites: Array<SiteView & { accountId: string }>;
}

/**
 * JSON for scripts and tests: the signed-in user, their accounts and sites, and Jira and Confluence
 * through the library's `AtlassianApiClient`. Without `?cloudId=` a user with several sites gets the
 * library's `AtlassianSiteSelectionError` (400 `atlassian_site_required`, listing every site).
 */
@Controller('api')
@UseGuards(SignedInGuard)
export class ApiController {
  constructor(
    private readonly accountLinks: AccountLinkService,
    private readonly atlassian: AtlassianApiClient,
    private readonly webhookEvents: DemoWebhookEvents,
  ) {}

  /** The signed-in user's latest webhook deliveries, newest first. */
  @Get('webhooks/events')
  events(@CurrentUserId() userId: string): DemoWebhookEvent[] {
    return this.webhookEvents.latest(userId);
  }

  @Get('me')
  async me(@CurrentUserId() userId: string): Promise<MeResponse> {
    const accounts = await this.accountLinks.listForUser(userId);
    return {
      userId,
      accounts: accounts.map(({ sites: _sites, ...account }) => account),
      sites: accounts.flatMap((account) =>
        account.sites.map((site) => ({ ...site, accountId: account.id })),
      ),
    };
  }

  @Get('jira/myself')
  async myself(
    @CurrentUserId() userId: string,
    @Query('cloudId') cloudId: unknown,
  ): Promise<JiraMyself> {
    const site = siteOf(cloudId);
    return productCalls.jiraMyself((await this.accountApi(userId, site)).jira(site));
  }

  @Get('jira/projects')
  async projects(
    @CurrentUserId() userId: string,
    @Query('cloudId') cloudId: unknown,
  ): Promise<JiraProject[]> {
    const site = siteOf(cloudId);
    return productCalls.jiraProjects((await this.accountApi(userId, site)).jira(site));
  }

  @Get('confluence/spaces')
  async spaces(
    @CurrentUserId() userId: string,
    @Query('cloudId') cloudId: unknown,
  ): Promise<ConfluenceSpace[]> {
    const site = siteOf(cloudId);
    return productCalls.confluenceSpaces((await this.accountApi(userId, site)).confluence(site));
  }

  /**
   * `forUser(userId)` reaches the user's first Atlassian account; a user who linked several reaches a
   * site of another one through that account.
   */
  private async accountApi(
    userId: string,
    cloudId: string | undefined,
  ): Promise<AtlassianAccountApi> {
    if (cloudId !== undefined) {
      const accounts = await this.accountLinks.listForUser(userId);
      const owner = accounts.find(
        (account) =>
          account.provider === 'atlassian' &&
          account.sites.some((site) => site.cloudId === cloudId),
      );
      if (owner) return this.atlassian.forAccount(owner.id);
    }
    return this.atlassian.forUser(userId);
  }
}

/** `?cloudId=`, or undefined to let the library pick the only site or list them all. */
function siteOf(cloudId: unknown): string | undefined {
  return typeof cloudId === 'string' && cloudId !== '' ? cloudId : undefined;
}
