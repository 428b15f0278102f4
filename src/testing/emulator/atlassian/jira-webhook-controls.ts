import type { EmulatorIssue, EmulatorIssueInput, EmulatorSite } from '../emulator.types.js';
import type { EmulatorJiraWebhookRegistration } from '../webhooks.types.js';
import type { AtlassianState } from './atlassian-state.js';
import {
  applyIssueChanges,
  problemWithChanges,
  type JiraIssueChanges,
} from './jira-issue-changes.js';
import type { StoredIssue } from './jira-issues.js';
import type { JiraActor } from './jira-webhook-payloads.js';

/** Who a change made through the controls is by, when the test does not say: the signed-in user. */
const NOBODY: JiraActor = { accountId: 'emulator', displayName: 'Emulator', accountType: 'app' };

/**
 * The Jira webhook controls of `AtlassianEmulator`: change issues as a person in Jira would (which delivers
 * to the matching registrations), inspect registrations, make one expire or vanish.
 */
export class JiraWebhookControls {
  constructor(private readonly atlassian: AtlassianState) {}

  /** Create an issue on site `cloudId`; delivers `jira:issue_created`. Returns the issue as stored. */
  createIssue(cloudId: string, input: EmulatorIssueInput, actorAccountId?: string): EmulatorIssue {
    const site = this.site(cloudId, 'createIssue');
    const issue = this.atlassian.issues.add(site, input);
    this.atlassian.webhooks.notify(site, issue, {
      webhookEvent: 'jira:issue_created',
      actor: this.actor(actorAccountId),
    });
    return copy(issue);
  }

  /** Change fields of an issue; delivers `jira:issue_updated` with the changelog when a value changed. */
  updateIssue(
    cloudId: string,
    issueKey: string,
    fields: JiraIssueChanges,
    actorAccountId?: string,
  ): EmulatorIssue {
    const site = this.site(cloudId, 'updateIssue');
    const issue = this.atlassian.issues.find(site, issueKey);
    if (!issue) throw new Error(`updateIssue: no issue ${issueKey} on site ${cloudId}`);
    const problem = problemWithChanges(fields);
    if (problem) throw new TypeError(`updateIssue: ${problem}`);
    const items = applyIssueChanges(issue, fields);
    if (items.length > 0) {
      const { webhooks } = this.atlassian;
      webhooks.notify(site, issue, {
        webhookEvent: 'jira:issue_updated',
        actor: this.actor(actorAccountId),
        changelog: { id: webhooks.changelogId(), items },
      });
    }
    return copy(issue);
  }

  /** The live registrations, oldest first, optionally only those matching `filter`. */
  registrations(
    filter: Partial<EmulatorJiraWebhookRegistration> = {},
  ): EmulatorJiraWebhookRegistration[] {
    return this.atlassian.webhooks.registry
      .live()
      .map((webhook): EmulatorJiraWebhookRegistration => ({
        provider: 'jira',
        id: webhook.id,
        cloudId: webhook.cloudId,
        clientId: webhook.clientId,
        accountId: webhook.accountId,
        url: webhook.url,
        events: [...webhook.events],
        jqlFilter: webhook.jqlFilter,
        ...(webhook.fieldIdsFilter ? { fieldIdsFilter: [...webhook.fieldIdsFilter] } : {}),
        expiresAt: new Date(webhook.expiresAtMs),
      }))
      .filter((registration) =>
        Object.entries(filter).every(
          ([key, value]) => registration[key as keyof typeof registration] === value,
        ),
      );
  }

  /** Let registration `id` on `cloudId` expire now, as if 30 days had passed unrefreshed. */
  expire(cloudId: string, id: number): void {
    if (!this.atlassian.webhooks.registry.expire(cloudId, id))
      throw new Error(`expireWebhook: no registration ${id} on site ${cloudId}`);
  }

  /** Forget registration `id` on `cloudId`, as if Jira had dropped it. */
  drop(cloudId: string, id: number): void {
    if (!this.atlassian.webhooks.registry.drop(cloudId, id))
      throw new Error(`dropWebhookRegistration: no registration ${id} on site ${cloudId}`);
  }

  private site(cloudId: string, control: string): EmulatorSite {
    const { directory } = this.atlassian;
    const site = directory
      .allUsers()
      .flatMap((user) => user.sites)
      .find((candidate) => candidate.id === cloudId);
    if (!site) throw new Error(`${control}: no user has a site with cloudId ${cloudId}`);
    return site;
  }

  private actor(accountId: string | undefined): JiraActor {
    const { directory } = this.atlassian;
    const user =
      accountId === undefined ? directory.signedInUser() : directory.requireUser(accountId);
    return user
      ? { accountId: user.accountId, displayName: user.name, accountType: 'atlassian' }
      : NOBODY;
  }
}

function copy({ comments: _comments, ...issue }: StoredIssue): EmulatorIssue {
  return structuredClone(issue);
}
