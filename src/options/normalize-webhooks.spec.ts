import { describe, expect, it } from 'vitest';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { normalizeWebhooks } from './normalize-webhooks.js';

describe('normalizeWebhooks', () => {
  it('applies the defaults: no URLs, renew 7 days ahead, every 6 hours', () => {
    expect(normalizeWebhooks(undefined)).toEqual({
      jiraUrl: null,
      bitbucketUrl: null,
      renewBeforeMs: 7 * 24 * 3600_000,
      renewalCron: '0 7 0,6,12,18 * * *',
      previousClientSecrets: [],
      clockToleranceMs: 30_000,
      maxBodyBytes: 256 * 1024,
      deliveryRetentionMs: 7 * 24 * 3600_000,
    });
  });

  it('keeps what is given, and false turns the cron off', () => {
    expect(
      normalizeWebhooks({
        jiraUrl: 'https://app.example.com/webhooks/jira',
        bitbucketUrl: 'https://app.example.com/webhooks/bitbucket',
        renewBeforeMs: 0,
        renewalCron: false,
      }),
    ).toEqual({
      jiraUrl: 'https://app.example.com/webhooks/jira',
      bitbucketUrl: 'https://app.example.com/webhooks/bitbucket',
      renewBeforeMs: 0,
      renewalCron: false,
      previousClientSecrets: [],
      clockToleranceMs: 30_000,
      maxBodyBytes: 256 * 1024,
      deliveryRetentionMs: 7 * 24 * 3600_000,
    });
  });

  it.each([
    [{ jiraUrl: '/webhooks/jira' }, 'webhooks.jiraUrl'],
    [{ bitbucketUrl: 'ftp://x' }, 'webhooks.bitbucketUrl'],
    [{ renewBeforeMs: -1 }, 'webhooks.renewBeforeMs'],
    [{ renewBeforeMs: 30 * 24 * 3600_000 }, 'webhooks.renewBeforeMs'],
    [{ renewalCron: '' }, 'webhooks.renewalCron'],
    [{ renewalCron: true as unknown as string }, 'webhooks.renewalCron'],
  ])('refuses %j, naming %s', (input, option) => {
    expect(() => normalizeWebhooks(input)).toThrow(AtlassianOptionsError);
    expect(() => normalizeWebhooks(input)).toThrow(option);
  });
});
