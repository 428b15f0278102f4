import { randomUUID } from 'node:crypto';
import type { AttemptOutcome } from '../webhooks/webhook-deliveries.js';
import type { WebhookSender } from '../webhooks/webhook-sender.js';
import { hubSignature } from '../webhooks/webhook-signatures.js';
import type { BitbucketHookStore } from './bitbucket-hooks.js';

/**
 * Bitbucket Cloud resends a delivery only when the receiver answers 5xx, and at most twice ("up to two more
 * times", support.atlassian.com troubleshoot-webhooks); a 4xx, a timeout (10 s) or a network error is logged,
 * not retried.
 */
export const BITBUCKET_MAX_RETRIES = 2;

/** Bitbucket retries a 5xx answer, nothing else. */
export function bitbucketRetryable({ status }: AttemptOutcome): boolean {
  return status !== undefined && status >= 500;
}

/**
 * Delivers a Bitbucket event to every active hook listening for it on the repository (its own hooks and its
 * workspace's): one POST per hook, its own `X-Request-UUID` kept across attempts, signed with the hook's
 * secret over the exact body when it has one.
 */
export class BitbucketHookDeliveries {
  constructor(
    private readonly hooks: BitbucketHookStore,
    private readonly sender: WebhookSender,
    private readonly retryDelaysMs: readonly number[],
  ) {}

  /** Send `payload` as `event` to the hooks of `workspace/repoSlug`; returns how many hooks it went to. */
  deliver(event: string, workspace: string, repoSlug: string, payload: unknown): number {
    const body = JSON.stringify(payload);
    const hooks = this.hooks.listening(event, workspace, repoSlug);
    for (const hook of hooks) {
      const requestUuid = randomUUID();
      const signature = hook.secret === undefined ? undefined : hubSignature(body, hook.secret);
      this.sender.send({
        provider: 'bitbucket',
        url: hook.url,
        identifier: requestUuid,
        event,
        registrations: [hook.uuid],
        body,
        retry: {
          retryable: bitbucketRetryable,
          delaysMs: this.retryDelaysMs.slice(0, BITBUCKET_MAX_RETRIES),
        },
        headers: (attempt) => ({
          'content-type': 'application/json',
          'user-agent': 'Bitbucket-Webhooks/2.0',
          'x-event-key': event,
          // Captured deliveries carry both uuids bare, without the braces the API shows.
          'x-hook-uuid': hook.uuid.replace(/^\{|\}$/g, ''),
          'x-request-uuid': requestUuid,
          'x-attempt-number': String(attempt),
          ...(signature === undefined ? {} : { 'x-hub-signature': signature }),
        }),
      });
    }
    return hooks.length;
  }
}
