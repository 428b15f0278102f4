import { describe, expect, it } from 'vitest';
import { missingJiraWebhookScopes, parseJiraDate } from './jira-webhook-api.js';

describe('parseJiraDate', () => {
  it('reads epoch milliseconds (the schema) and ISO strings with a +0000 offset (the examples)', () => {
    expect(parseJiraDate(1559392950000)?.toISOString()).toBe('2019-06-01T12:42:30.000Z');
    expect(parseJiraDate('2019-06-01T12:42:30.000+0000')?.toISOString()).toBe(
      '2019-06-01T12:42:30.000Z',
    );
    expect(parseJiraDate('2019-06-01T14:42:30.000+0200')?.toISOString()).toBe(
      '2019-06-01T12:42:30.000Z',
    );
    expect(parseJiraDate('2019-06-01T12:42:30Z')?.toISOString()).toBe('2019-06-01T12:42:30.000Z');
  });

  it('gives null for what is absent or unreadable', () => {
    for (const value of [undefined, null, 'soon', Number.NaN, {}]) {
      expect(parseJiraDate(value)).toBeNull();
    }
  });
});

describe('missingJiraWebhookScopes', () => {
  it('accepts the classic pair, or the full granular set', () => {
    expect(missingJiraWebhookScopes(['manage:jira-webhook', 'read:jira-work'])).toEqual([]);
    expect(
      missingJiraWebhookScopes([
        'read:webhook:jira',
        'write:webhook:jira',
        'delete:webhook:jira',
        'read:jql:jira',
      ]),
    ).toEqual([]);
  });

  it('names what the classic pair lacks otherwise', () => {
    expect(missingJiraWebhookScopes(['read:jira-work'])).toEqual(['manage:jira-webhook']);
    expect(missingJiraWebhookScopes([])).toEqual(['manage:jira-webhook', 'read:jira-work']);
    // An incomplete granular set is not enough: renewal needs write, removal needs delete.
    expect(
      missingJiraWebhookScopes(['read:webhook:jira', 'write:webhook:jira', 'read:jql:jira']),
    ).toEqual(['manage:jira-webhook', 'read:jira-work']);
  });
});
