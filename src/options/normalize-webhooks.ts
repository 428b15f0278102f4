import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { WebhookOptions } from './atlassian-module-options.interface.js';
import type { NormalizedWebhookOptions } from './normalized-options.interface.js';
import { assertAbsoluteURL, assertNumbers } from './option-assertions.js';

const DAY_MS = 24 * 3600_000;

/** Jira drops a dynamic webhook 30 days after its registration or last refresh. */
const JIRA_WEBHOOK_LIFETIME_MS = 30 * DAY_MS;

/** The `webhooks` options with their defaults, checked once at boot: registering, renewing, receiving. */
export function normalizeWebhooks(input: WebhookOptions | undefined): NormalizedWebhookOptions {
  const previousClientSecrets = input?.previousClientSecrets ?? [];
  if (
    !Array.isArray(previousClientSecrets) ||
    previousClientSecrets.some((secret) => typeof secret !== 'string' || secret.trim() === '')
  ) {
    throw new AtlassianOptionsError(
      'webhooks.previousClientSecrets',
      'must be an array of non-empty strings: the client secrets in use before the current one.',
    );
  }
  const webhooks = {
    jiraUrl: input?.jiraUrl ?? null,
    bitbucketUrl: input?.bitbucketUrl ?? null,
    renewBeforeMs: input?.renewBeforeMs ?? 7 * DAY_MS,
    renewalCron: input?.renewalCron ?? '0 7 0,6,12,18 * * *',
    clockToleranceMs: input?.clockToleranceMs ?? 30_000,
    maxBodyBytes: input?.maxBodyBytes ?? 256 * 1024,
    deliveryRetentionMs: input?.deliveryRetentionMs ?? 7 * DAY_MS,
  };
  if (webhooks.jiraUrl !== null) assertAbsoluteURL('webhooks.jiraUrl', webhooks.jiraUrl);
  if (webhooks.bitbucketUrl !== null)
    assertAbsoluteURL('webhooks.bitbucketUrl', webhooks.bitbucketUrl);
  assertNumbers('webhooks', webhooks, {
    renewBeforeMs: 0,
    clockToleranceMs: 0,
    maxBodyBytes: 1,
    // Shorter than the providers' retries would forget a delivery before its last retry arrives.
    deliveryRetentionMs: 60_000,
  });
  if (webhooks.renewBeforeMs >= JIRA_WEBHOOK_LIFETIME_MS) {
    throw new AtlassianOptionsError(
      'webhooks.renewBeforeMs',
      `(${webhooks.renewBeforeMs}) must be under 30 days (${JIRA_WEBHOOK_LIFETIME_MS} ms), Jira's lifetime of a webhook, or every registration is renewed at every tick.`,
    );
  }
  if (
    webhooks.renewalCron !== false &&
    (typeof webhooks.renewalCron !== 'string' || webhooks.renewalCron.trim() === '')
  ) {
    throw new AtlassianOptionsError(
      'webhooks.renewalCron',
      `must be a cron expression such as '0 7 0,6,12,18 * * *', or false to renew only through WebhookRenewalScheduler.runOnce(); got ${JSON.stringify(webhooks.renewalCron)}.`,
    );
  }
  if (!Number.isSafeInteger(webhooks.deliveryRetentionMs))
    throw new AtlassianOptionsError(
      'webhooks.deliveryRetentionMs',
      `must be a whole number of ms; got ${webhooks.deliveryRetentionMs}.`,
    );
  return Object.freeze({ ...webhooks, previousClientSecrets: [...previousClientSecrets] });
}
