import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { WebhookOptions } from './atlassian-module-options.interface.js';
import { assertNumbers } from './option-assertions.js';

/** Validates `webhooks` and applies its defaults. */
export function normalizeWebhooks(
  input: WebhookOptions | undefined,
): Readonly<Required<WebhookOptions>> {
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
    clockToleranceMs: input?.clockToleranceMs ?? 30_000,
    maxBodyBytes: input?.maxBodyBytes ?? 256 * 1024,
    deliveryRetentionMs: input?.deliveryRetentionMs ?? 7 * 24 * 3_600_000,
  };
  assertNumbers('webhooks', webhooks, {
    clockToleranceMs: 0,
    maxBodyBytes: 1,
    // Shorter than the providers' retries would forget a delivery before its last retry arrives.
    deliveryRetentionMs: 60_000,
  });
  if (!Number.isSafeInteger(webhooks.deliveryRetentionMs))
    throw new AtlassianOptionsError(
      'webhooks.deliveryRetentionMs',
      `must be a whole number of ms; got ${webhooks.deliveryRetentionMs}.`,
    );
  return Object.freeze({ ...webhooks, previousClientSecrets: [...previousClientSecrets] });
}
