import { setMaxListeners } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import type { EmulatorClock } from '../server/emulator-clock.js';
import type { AttemptOutcome, EmulatorWebhookDelivery, RetryPolicy } from './webhook-deliveries.js';

/** One webhook to deliver: where, what, the headers of each attempt, and how its provider retries. */
export interface OutgoingWebhook {
  provider: EmulatorWebhookDelivery['provider'];
  url: string;
  identifier: string;
  event: string;
  registrations: Array<number | string>;
  body: string;
  /** Headers of attempt `attempt` (from 1): retry counters and signatures are made per attempt. */
  headers(attempt: number): Record<string, string>;
  retry: RetryPolicy;
}

/**
 * Posts webhooks from the emulator process with `fetch`, in the background: the API call that caused one has
 * answered long before. Each attempt has a timeout; a retryable outcome is tried again after its policy's
 * wait. Every attempt is logged; `settle()` waits for all of them, `stop()` abandons what is left.
 */
export class WebhookSender {
  private readonly pending = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private readonly log: EmulatorWebhookDelivery[] = [];

  constructor(
    private readonly clock: EmulatorClock,
    private readonly timeoutMs: number,
  ) {
    // Every waiting retry and every request in flight listens on this one signal.
    setMaxListeners(0, this.stopping.signal);
  }

  /** Start delivering `webhook`; returns at once. Ignored once stopped. */
  send(webhook: OutgoingWebhook): void {
    if (this.stopping.signal.aborted) return;
    const delivery = this.deliver(webhook).finally(() => this.pending.delete(delivery));
    this.pending.add(delivery);
  }

  /** Resolve once every delivery, retries included, has finished (deliveries started meanwhile too). */
  async settle(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Every attempt so far, oldest first (copies). */
  deliveries(): EmulatorWebhookDelivery[] {
    return this.log.map((entry) => ({ ...entry, registrations: [...entry.registrations] }));
  }

  /** Cancel waiting retries and requests in flight; nothing is sent afterwards. */
  async stop(): Promise<void> {
    this.stopping.abort();
    await this.settle();
  }

  private async deliver(webhook: OutgoingWebhook): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      const at = this.clock.now();
      const outcome = await this.attempt(webhook, attempt);
      if (this.stopping.signal.aborted) return;
      const { provider, url, identifier, event, registrations, body } = webhook;
      this.log.push({
        provider,
        url,
        identifier,
        event,
        attempt,
        ...outcome,
        registrations,
        body,
        at,
      });
      const delayMs = webhook.retry.delaysMs[attempt - 1];
      if (delayMs === undefined || !webhook.retry.retryable(outcome)) return;
      try {
        await sleep(delayMs, undefined, { signal: this.stopping.signal });
      } catch {
        return;
      }
    }
  }

  private async attempt(webhook: OutgoingWebhook, attempt: number): Promise<AttemptOutcome> {
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: webhook.headers(attempt),
        body: webhook.body,
        redirect: 'manual',
        signal: AbortSignal.any([this.stopping.signal, AbortSignal.timeout(this.timeoutMs)]),
      });
      // Read the answer to the end so the connection can be reused; its content does not matter.
      await response.arrayBuffer().catch(() => undefined);
      return { status: response.status };
    } catch (error) {
      return { error: describeFailure(error) };
    }
  }
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && error.name === 'TimeoutError') return 'timeout';
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message;
}
