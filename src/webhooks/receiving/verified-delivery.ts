import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';
import type { WebhookRegistration } from '../registrations/webhook-registration.entity.js';
import type { AtlassianWebhookEvent } from './webhook-events.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * A delivery whose signature the guard verified, before it is routed and claimed.
 * @internal
 */
export interface VerifiedDelivery {
  provider: LinkedAccountProvider;
  deliveryId: string;
  event: string;
  retryCount: number;
  payload: Record<string, unknown>;
  /** Bitbucket: the hook's registration, found by `X-Hook-UUID` to get its secret. */
  registration?: WebhookRegistration;
}

const VERIFIED = Symbol('nestjs-atlassian:verified-webhook-delivery');
const ROUTED = Symbol('nestjs-atlassian:webhook-event');

type Carrier = WebhookRequest & { [VERIFIED]?: VerifiedDelivery; [ROUTED]?: AtlassianWebhookEvent };

/** @internal */
export function attachVerified(request: WebhookRequest, delivery: VerifiedDelivery): void {
  (request as Carrier)[VERIFIED] = delivery;
}

/** @internal */
export function verifiedOf(request: WebhookRequest): VerifiedDelivery | undefined {
  return (request as Carrier)[VERIFIED];
}

/** @internal */
export function attachEvent(request: WebhookRequest, event: AtlassianWebhookEvent): void {
  (request as Carrier)[ROUTED] = event;
}

/** @internal */
export function eventOf(request: WebhookRequest): AtlassianWebhookEvent | undefined {
  return (request as Carrier)[ROUTED];
}
