import { Body, Controller, HttpCode, NotFoundException, Post, UseGuards } from '@nestjs/common';
import { AccountLinkService, AtlassianApiClient, type LinkedAccountView } from '../../src/index.js';
import { DemoEmulatorHost } from '../demo-emulator.js';
import { productCalls } from '../product-calls.js';
import { CurrentUserId } from '../session/current-user-id.js';
import { SignedInGuard } from '../session/signed-in.guard.js';

/**
 * What happens at Atlassian, played by the built-in emulator, so a newcomer can watch the app react:
 * someone edits an issue (Jira delivers a webhook); Atlassian closes the person's account (the next
 * personal data report erases it). Only mounted when the emulator runs.
 */
@Controller('demo/emulator')
@UseGuards(SignedInGuard)
export class EmulatorActionsController {
  constructor(
    private readonly host: DemoEmulatorHost,
    private readonly accountLinks: AccountLinkService,
    private readonly atlassian: AtlassianApiClient,
  ) {}

  /** Edits the first issue of the site's first project, as another Jira user would: `{ cloudId }`. */
  @Post('update-issue')
  @HttpCode(200)
  async updateIssue(
    @CurrentUserId() userId: string,
    @Body() body: { cloudId?: unknown },
  ): Promise<{ cloudId: string; issueKey: string; summary: string }> {
    const { account, cloudId } = await this.siteOf(userId, body?.cloudId);
    const jira = this.atlassian.forAccount(account.id).jira(cloudId);
    const [project] = await productCalls.jiraProjects(jira);
    const found = project
      ? await jira.get<{ issues: Array<{ key: string }> }>('/rest/api/3/search/jql', {
          query: { jql: `project = ${project.key}`, maxResults: 1, fields: 'summary' },
        })
      : undefined;
    const issueKey = found?.issues[0]?.key;
    if (!issueKey) throw new NotFoundException('This site has no issue to update.');
    const summary = `Edited in Jira at ${new Date().toISOString().slice(11, 19)} UTC`;
    this.emulator().updateIssue(cloudId, issueKey, { summary });
    return { cloudId, issueKey, summary };
  }

  /** Atlassian closes the signed-in person's account: reported `closed` at the next report. */
  @Post('close-account')
  @HttpCode(200)
  async closeAccount(@CurrentUserId() userId: string): Promise<{ accountId: string }> {
    const account = (await this.accountLinks.listForUser(userId)).find(
      (linked) => linked.provider === 'atlassian' && linked.status === 'active',
    );
    if (!account) throw new NotFoundException('No active Atlassian account to close.');
    // Atlassian would also revoke the person's grants; the demo's only person keeps theirs, since a
    // report needs some live grant to be sent with (a real app has other users').
    this.emulator().personalData.markClosed(account.providerAccountId, undefined, {
      keepGrants: true,
    });
    return { accountId: account.providerAccountId };
  }

  private emulator() {
    if (!this.host.emulator) throw new NotFoundException('The built-in emulator is not running.');
    return this.host.emulator;
  }

  /** The signed-in user's Atlassian account that reaches `cloudId` (or its first site). */
  private async siteOf(
    userId: string,
    cloudId: unknown,
  ): Promise<{ account: LinkedAccountView; cloudId: string }> {
    for (const account of await this.accountLinks.listForUser(userId)) {
      if (account.provider !== 'atlassian') continue;
      const site = account.sites.find(
        (candidate) => typeof cloudId !== 'string' || candidate.cloudId === cloudId,
      );
      if (site) return { account, cloudId: site.cloudId };
    }
    throw new NotFoundException('No Atlassian site of yours reaches that cloudId.');
  }
}
