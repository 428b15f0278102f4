import { Controller, Get, Header, Req } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request } from 'express';
import { AccountLinkService, type LinkedAccountView, type SiteView } from '../src/index.js';
import type { DemoSettings } from './demo-config.js';
import { renderHomePage, type SiteSection } from './home-page.js';
import { JiraService } from './jira.service.js';
import { currentUserId } from './session/current-user-id.js';

/** The demo's one page, rendered on the server. */
@Controller()
export class HomeController {
  private readonly atlassianLabel: string;

  constructor(
    private readonly accountLinks: AccountLinkService,
    private readonly jira: JiraService,
    config: ConfigService<DemoSettings, true>,
  ) {
    const atlassian = config.get('atlassian', { infer: true });
    this.atlassianLabel = atlassian.emulator ? `built-in emulator at ${atlassian.authBaseURL}` : atlassian.authBaseURL;
  }

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  async home(@Req() req: Request): Promise<string> {
    const userId = currentUserId(req);
    const accounts = userId ? await this.accountLinks.listForUser(userId) : [];
    const sections = await Promise.all(
      accounts.map(async (account) => ({ account, sites: await Promise.all(account.sites.map((site) => this.siteSection(account, site))) })),
    );
    return renderHomePage({ atlassianLabel: this.atlassianLabel, userId, accounts: sections });
  }

  /** Jira data for a site with Jira scopes; a failure becomes a message on the page, not a 500. */
  private async siteSection(account: LinkedAccountView, site: SiteView): Promise<SiteSection> {
    if (!site.scopes.some((scope) => scope.includes('jira'))) return { site };
    const ref = { accountId: account.id, cloudId: site.cloudId };
    const [myself, projects] = await Promise.allSettled([this.jira.myself(ref), this.jira.projects(ref)]);
    return {
      site,
      jira: {
        displayName: myself.status === 'fulfilled' ? myself.value.displayName : undefined,
        projects: projects.status === 'fulfilled' ? projects.value : undefined,
        errors: [myself, projects].flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : [])),
      },
    };
  }
}
