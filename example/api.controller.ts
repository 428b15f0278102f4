import { BadRequestException, Controller, Get, Query, UseGuards } from '@nestjs/common';
import { AccountLinkService, type LinkedAccountView, type SiteView } from '../src/index.js';
import { JiraService, type JiraMyself, type JiraProject, type JiraSiteRef } from './jira.service.js';
import { CurrentUserId } from './session/current-user-id.js';
import { SignedInGuard } from './session/signed-in.guard.js';

/** What `GET /api/me` answers: never a token. */
export interface MeResponse {
  userId: string;
  accounts: Array<Omit<LinkedAccountView, 'sites'>>;
  sites: Array<SiteView & { accountId: string }>;
}

/** JSON for scripts and tests: the signed-in user, their accounts and sites, and two Jira calls. */
@Controller('api')
@UseGuards(SignedInGuard)
export class ApiController {
  constructor(
    private readonly accountLinks: AccountLinkService,
    private readonly jira: JiraService,
  ) {}

  @Get('me')
  async me(@CurrentUserId() userId: string): Promise<MeResponse> {
    const accounts = await this.accountLinks.listForUser(userId);
    return {
      userId,
      accounts: accounts.map(({ sites: _sites, ...account }) => account),
      sites: accounts.flatMap((account) => account.sites.map((site) => ({ ...site, accountId: account.id }))),
    };
  }

  @Get('jira/myself')
  async myself(@CurrentUserId() userId: string, @Query('cloudId') cloudId: unknown): Promise<JiraMyself> {
    return this.jira.myself(await this.siteOf(userId, cloudId));
  }

  @Get('jira/projects')
  async projects(@CurrentUserId() userId: string, @Query('cloudId') cloudId: unknown): Promise<JiraProject[]> {
    return this.jira.projects(await this.siteOf(userId, cloudId));
  }

  private async siteOf(userId: string, cloudId: unknown): Promise<JiraSiteRef> {
    if (typeof cloudId !== 'string' || cloudId === '') {
      throw new BadRequestException('Give ?cloudId=<one of your sites> (see GET /api/me).');
    }
    const accounts = await this.accountLinks.listForUser(userId);
    const account = accounts.find((a) => a.sites.some((site) => site.cloudId === cloudId));
    if (!account) throw new BadRequestException(`cloudId ${cloudId} is not one of your sites (see GET /api/me).`);
    return { accountId: account.id, cloudId };
  }
}
