import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';
import { AtlassianEventPublisher } from '../../events/atlassian-event-publisher.js';
import { WebhookDeliveryStore, type DeliveryKey } from '../deliveries/webhook-delivery.store.js';
import { attachEvent, verifiedOf } from './verified-delivery.js';
import { WebhookDeliveryRouter } from './webhook-delivery-router.js';
import { AtlassianWebhookEvents, type AtlassianWebhookEvent } from './webhook-events.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * Hands a verified delivery to the app once: routes it to its accounts, claims its id in the
 * database, publishes it (`emitAsync`) and runs the route, then records it handled. Only then does
 * the route answer 2xx; a failed handler releases the claim (500, the retry is handled), a database
 * that does not answer gives 503, and a delivery another instance is handling 409: the provider
 * retries all three. A delivery already handled is acknowledged without running anything.
 * @internal Used by the interceptor of `@JiraWebhookEndpoint()` and `@BitbucketWebhookEndpoint()`.
 */
@Injectable()
export class WebhookReceiver {
  private readonly logger = new Logger('WebhookReceiver');

  constructor(
    private readonly router: WebhookDeliveryRouter,
    private readonly store: WebhookDeliveryStore,
    private readonly publisher: AtlassianEventPublisher,
  ) {}

  /** Handles the delivery the guard verified on `request`, `runRoute` being the route itself. */
  async receive(request: WebhookRequest, runRoute: () => Promise<unknown>): Promise<unknown> {
    const delivery = verifiedOf(request);
    if (!delivery) {
      throw misconfigured(
        'The webhook route has no verified delivery: use @JiraWebhookEndpoint() or @BitbucketWebhookEndpoint(), not the interceptor alone.',
      );
    }
    const key: DeliveryKey = { provider: delivery.provider, deliveryId: delivery.deliveryId };
    const event = await unlessStoreFails<AtlassianWebhookEvent>('route', () =>
      delivery.provider === 'atlassian'
        ? this.router.routeJira(delivery)
        : this.router.routeBitbucket(delivery),
    );
    attachEvent(request, event);
    const claim = await unlessStoreFails('claim', () => this.store.claim(key, delivery.event));
    if (claim.outcome === 'handled') return undefined;
    if (claim.outcome === 'in_progress') {
      throw new AtlassianWebhookError(
        AtlassianErrorCode.WebhookDeliveryInProgress,
        HttpStatus.CONFLICT,
        `Delivery ${key.deliveryId} is being handled by another instance; retry later.`,
      );
    }
    let result: unknown;
    try {
      await this.publish(event);
      result = await runRoute();
    } catch (err) {
      await this.store.release(key, claim.lease);
      if (err instanceof AtlassianWebhookError) throw err;
      this.logger.error(
        `A handler of ${key.provider} delivery ${key.deliveryId} (${delivery.event}) failed: ${(err as Error)?.message}`,
        (err as Error)?.stack,
      );
      throw new AtlassianWebhookError(
        AtlassianErrorCode.WebhookHandlerFailed,
        HttpStatus.INTERNAL_SERVER_ERROR,
        `A handler of ${delivery.event} failed; the delivery is not recorded, so its retry will be handled.`,
        { cause: err },
      );
    }
    const recorded = await unlessStoreFails('record', () => this.store.complete(key, claim.lease));
    if (!recorded) {
      throw storeUnavailable(
        'record',
        'its claim lapsed while the handlers ran and another instance took it',
      );
    }
    await this.store.pruneIfDue();
    return result;
  }

  private async publish(event: AtlassianWebhookEvent): Promise<void> {
    const name =
      event.provider === 'atlassian'
        ? AtlassianWebhookEvents.jira(event.event)
        : AtlassianWebhookEvents.bitbucket(event.event);
    if (!(await this.publisher.dispatch(name, event))) {
      throw misconfigured(
        'Webhook deliveries are handed to the app through @nestjs/event-emitter: import EventEmitterModule.forRoot() in the app module.',
      );
    }
  }
}

async function unlessStoreFails<T>(step: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (cause) {
    throw storeUnavailable(step, 'the database did not answer', cause);
  }
}

function storeUnavailable(step: string, why: string, cause?: unknown): AtlassianWebhookError {
  return new AtlassianWebhookError(
    AtlassianErrorCode.WebhookStoreUnavailable,
    HttpStatus.SERVICE_UNAVAILABLE,
    `Could not ${step} the delivery (${why}); the provider will retry it.`,
    { cause },
  );
}

function misconfigured(message: string): AtlassianWebhookError {
  return new AtlassianWebhookError(
    AtlassianErrorCode.WebhookReceiverMisconfigured,
    HttpStatus.INTERNAL_SERVER_ERROR,
    message,
  );
}
