/**
 * What Jira and Bitbucket put on a webhook delivery: the one place this package names those headers.
 * Header names are lower case, as Node hands them over.
 */
export const jiraWebhookProtocol = {
  /** `Bearer <JWT>`, HS256-signed with the OAuth client's secret. */
  authorization: 'authorization',
  /** The delivery's id, the same on every retry. */
  deliveryId: 'x-atlassian-webhook-identifier',
  /** 0 on the first attempt, then 1, 2, … */
  retry: 'x-atlassian-webhook-retry',
  /** The only JWT algorithm a delivery is signed with. */
  algorithm: 'HS256',
} as const;

export const bitbucketWebhookProtocol = {
  /** `sha256=<hex HMAC-SHA256 of the raw body with the hook's secret>`. */
  signature: 'x-hub-signature',
  signaturePrefix: 'sha256=',
  /** The hook's uuid (`{…}`): names the registration, and so the secret. */
  hookId: 'x-hook-uuid',
  /** The delivery's id, the same on every retry. */
  deliveryId: 'x-request-uuid',
  /** e.g. `repo:push`. */
  event: 'x-event-key',
  /** 1 on the first attempt, then 2, 3, … */
  attempt: 'x-attempt-number',
} as const;
