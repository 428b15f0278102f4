import type { EmulatorSite } from '../emulator.types.js';
import type { JiraComment, StoredIssue } from './jira-issues.js';
import type { JqlIssueFacts } from './jira-webhook-jql.js';

/** Who made a change, as a webhook names them. */
export interface JiraActor {
  accountId: string;
  displayName: string;
  accountType: string;
}

/** One changed field of an update, as a changelog item lists it. */
export interface JiraChangeItem {
  field: string;
  fieldtype: string;
  fieldId: string;
  from: string | null;
  fromString: string | null;
  to: string | null;
  toString: string | null;
}

/** What happened to an issue, before it becomes one payload per matched app and URL. */
export type JiraIssueEvent =
  | { webhookEvent: 'jira:issue_created'; actor: JiraActor }
  | {
      webhookEvent: 'jira:issue_updated';
      actor: JiraActor;
      changelog: { id: string; items: JiraChangeItem[] };
    }
  | { webhookEvent: 'comment_created'; actor: JiraActor; comment: JiraComment };

/** The issue's project, found by the key's prefix among the site's projects. */
export function issueProject(site: EmulatorSite, issue: StoredIssue): JqlIssueFacts['project'] {
  const key = issue.key.slice(0, issue.key.lastIndexOf('-'));
  const project = site.projects.find((candidate) => candidate.key === key);
  return project ? { id: project.id, key: project.key, name: project.name } : { key };
}

/** The issue as webhook JQL filters see it. */
export function issueFacts(site: EmulatorSite, issue: StoredIssue): JqlIssueFacts {
  return {
    id: issue.id,
    key: issue.key,
    project: issueProject(site, issue),
    issuetype: issue.issuetype,
    status: issue.status,
    assignee: issue.assignee,
    reporter: issue.reporter,
    customFields: issue.customFields,
    properties: {},
  };
}

/**
 * The body Jira posts for `event`, without `matchedWebhookIds` (added per app and URL): `timestamp` in epoch
 * ms, `webhookEvent`, the issue with `self` on the site's URL (REST API v2, as Jira's payloads are), the user
 * for issue events, the changelog for updates, the comment for comment events.
 */
export function jiraWebhookPayload(
  site: EmulatorSite,
  issue: StoredIssue,
  event: JiraIssueEvent,
  timestampMs: number,
): Record<string, unknown> {
  const body: Record<string, unknown> = {
    timestamp: timestampMs,
    webhookEvent: event.webhookEvent,
  };
  if (event.webhookEvent === 'comment_created') {
    body.comment = {
      ...structuredClone(event.comment),
      self: `${issueSelf(site, issue)}/comment/${event.comment.id}`,
    };
  } else {
    body.issue_event_type_name =
      event.webhookEvent === 'jira:issue_created' ? 'issue_created' : 'issue_generic';
    body.user = {
      ...event.actor,
      self: `${site.url}/rest/api/2/user?accountId=${event.actor.accountId}`,
    };
  }
  body.issue = webhookIssue(site, issue);
  if (event.webhookEvent === 'jira:issue_updated')
    body.changelog = structuredClone(event.changelog);
  return body;
}

function issueSelf(site: EmulatorSite, issue: StoredIssue): string {
  return `${site.url}/rest/api/2/issue/${issue.id}`;
}

function webhookIssue(site: EmulatorSite, issue: StoredIssue): Record<string, unknown> {
  const person = (accountId: string | null) => (accountId === null ? null : { accountId });
  return {
    id: issue.id,
    self: issueSelf(site, issue),
    key: issue.key,
    fields: {
      summary: issue.summary,
      description: structuredClone(issue.description),
      issuetype: { name: issue.issuetype },
      status: { name: issue.status },
      project: issueProject(site, issue),
      assignee: person(issue.assignee),
      reporter: person(issue.reporter),
      ...issue.customFields,
    },
  };
}
