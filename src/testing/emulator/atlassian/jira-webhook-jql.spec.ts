import { describe, expect, it } from 'vitest';
import { matchesWebhookJql, parseWebhookJql, type JqlIssueFacts } from './jira-webhook-jql.js';

const ISSUE: JqlIssueFacts = {
  id: '10001',
  key: 'ACME-2',
  project: { id: '10000', key: 'ACME', name: 'Acme Platform' },
  issuetype: 'Bug',
  status: 'In Progress',
  assignee: 'ada',
  reporter: null,
  customFields: { customfield_10010: 'gold' },
  properties: {},
};

function matches(jql: string, issue: JqlIssueFacts = ISSUE): boolean {
  const tree = parseWebhookJql(jql);
  if ('error' in tree) throw new Error(tree.error);
  return matchesWebhookJql(tree, issue);
}

describe('webhook JQL', () => {
  it.each([
    ['project = ACME', true],
    ['project = 10000', true],
    ['project = "Acme Platform"', true],
    ['project != ACME', false],
    ['issueKey IN (ACME-1, acme-2)', true],
    ['issuetype NOT IN (Bug, Task)', false],
    ['status = "in progress" AND assignee = ada', true],
    ['project = OPS OR (status = "In Progress" AND cf[10010] = gold)', true],
    ['cf[10010] != silver', true],
    // An empty field matches neither = nor !=.
    ['reporter != ada', false],
    ['cf[10099] != gold', false],
    ['issue.property[flags].colour = red', false],
  ])('%s → %s', (jql, expected) => {
    expect(matches(jql)).toBe(expected);
  });

  it.each([
    ['project ~ ACME', 'Operator ~ is unsupported'],
    ['project is not EMPTY', 'Operator is not is unsupported'],
    ['project was ACME', 'Operator was is unsupported'],
    ['labels = x', 'Field labels is unsupported'],
    ['assignee = currentUser()', 'Function currentUser() is unsupported'],
    ['NOT project = ACME', 'Operator NOT is unsupported'],
    ['project = ACME ORDER BY key', 'ORDER BY is unsupported'],
    ['project IN ACME', 'IN and NOT IN take a list'],
    ['(project = ACME', "'(' in the JQL is not closed"],
    ['', 'must not be empty'],
  ])('refuses %j', (jql, message) => {
    const parsed = parseWebhookJql(jql);
    expect('error' in parsed && parsed.error).toContain(message);
  });
});
