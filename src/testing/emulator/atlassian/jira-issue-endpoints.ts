import type { EmulatorSite } from '../emulator.types.js';
import { json } from '../server/http-helpers.js';
import { applyIssueChanges } from './jira-issue-changes.js';
import type { StoredIssue } from './jira-issues.js';
import type { JiraActor } from './jira-webhook-payloads.js';
import {
  answer,
  issueNotFound,
  jiraBadRequest,
  jiraTimestamp,
  noContent,
} from './product-answers.js';
import type { ProductAnswer, ProductCall, ProductEndpoint } from './product-endpoint.js';

const READ_SCOPES = ['read:jira-work', 'read:issue:jira'];
const WRITE_SCOPES = ['write:jira-work'];
const ISSUE = '/rest/api/3/issue/{issueIdOrKey}';
/** The fields an edit may set; Jira refuses others that are not on the edit screen. */
const EDITABLE = ['summary', 'description'];

/** Read one issue, edit it, comment on it: the last two are writes to one issue (per-issue limits). */
export const jiraIssueEndpoints: readonly ProductEndpoint[] = [
  { product: 'jira', method: 'GET', path: ISSUE, scopes: READ_SCOPES, handle: getIssue },
  {
    product: 'jira',
    method: 'PUT',
    path: ISSUE,
    scopes: WRITE_SCOPES,
    issueParam: 'issueIdOrKey',
    handle: editIssue,
  },
  {
    product: 'jira',
    method: 'POST',
    path: `${ISSUE}/comment`,
    scopes: WRITE_SCOPES,
    issueParam: 'issueIdOrKey',
    handle: addComment,
  },
];

function getIssue(call: ProductCall): ProductAnswer {
  const issue = issueOf(call);
  if (!issue) return issueNotFound();
  const { site } = call.granted;
  return answer(
    json(200, {
      id: issue.id,
      key: issue.key,
      fields: {
        ...issueFields(site, issue),
        comment: {
          comments: issue.comments,
          maxResults: issue.comments.length,
          total: issue.comments.length,
          startAt: 0,
        },
      },
    }),
    1,
  );
}

function editIssue(call: ProductCall): ProductAnswer {
  const issue = issueOf(call);
  if (!issue) return issueNotFound();
  const { error, value } = call.request.body;
  const fields = value?.fields;
  if (error || typeof fields !== 'object' || fields === null || Array.isArray(fields))
    return jiraBadRequest([
      error ?? 'The emulator edits issues through a JSON body with a "fields" object',
    ]);
  const refused = Object.keys(fields).filter((name) => !EDITABLE.includes(name));
  if (refused.length > 0) {
    const errors = Object.fromEntries(
      refused.map((name) => [
        name,
        `Field '${name}' cannot be set. It is not on the appropriate screen, or unknown.`,
      ]),
    );
    return jiraBadRequest([], errors);
  }
  const { summary, description } = fields as Record<string, unknown>;
  if (summary !== undefined && (typeof summary !== 'string' || summary.trim() === ''))
    return jiraBadRequest([], { summary: 'You must specify a summary of the issue.' });
  const changes = applyIssueChanges(issue, {
    ...(typeof summary === 'string' ? { summary } : {}),
    ...(description !== undefined ? { description } : {}),
  });
  if (changes.length > 0) {
    const { webhooks } = call.atlassian;
    webhooks.notify(call.granted.site, issue, {
      webhookEvent: 'jira:issue_updated',
      actor: actorOf(call),
      changelog: { id: webhooks.changelogId(), items: changes },
    });
  }
  return noContent();
}

function addComment(call: ProductCall): ProductAnswer {
  const issue = issueOf(call);
  if (!issue) return issueNotFound();
  const body = call.request.body.value?.body;
  if (body === undefined || body === null || body === '')
    return jiraBadRequest([], { comment: 'Comment body can not be empty!' });
  const now = jiraTimestamp(call.atlassian.clock.now());
  const actor = actorOf(call);
  const comment = {
    id: call.atlassian.issues.commentId(),
    body: structuredClone(body),
    author: actor,
    created: now,
    updated: now,
  };
  issue.comments.push(comment);
  call.atlassian.webhooks.notify(call.granted.site, issue, {
    webhookEvent: 'comment_created',
    actor,
    comment,
  });
  return answer(json(201, comment));
}

/** The caller as Jira names the author of a change. */
function actorOf({ caller: { user, serviceAccount } }: ProductCall): JiraActor {
  return {
    accountId: user?.accountId ?? serviceAccount!.accountId,
    displayName: user?.name ?? serviceAccount!.name,
    accountType: user ? 'atlassian' : 'app',
  };
}

function issueOf({ atlassian, granted, request }: ProductCall): StoredIssue | undefined {
  return atlassian.issues.find(granted.site, request.params.issueIdOrKey ?? '');
}

/** The fields every answer shows: summary, description and the project (by the key's prefix). */
export function issueFields(site: EmulatorSite, issue: StoredIssue): Record<string, unknown> {
  const projectKey = issue.key.slice(0, issue.key.lastIndexOf('-'));
  const project = site.projects.find((candidate) => candidate.key === projectKey);
  return {
    summary: issue.summary,
    description: issue.description,
    project: project
      ? { id: project.id, key: project.key, name: project.name }
      : { key: projectKey },
  };
}
