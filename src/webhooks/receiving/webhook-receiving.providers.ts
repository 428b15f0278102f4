import type { Provider } from '@nestjs/common';
import { WebhookDeliveryStore } from '../deliveries/webhook-delivery.store.js';
import { BitbucketWebhookGuard } from './bitbucket-webhook.guard.js';
import { JiraWebhookGuard } from './jira-webhook.guard.js';
import { WebhookDeliveryInterceptor } from './webhook-delivery.interceptor.js';
import { WebhookDeliveryRouter } from './webhook-delivery-router.js';
import { WebhookReceiver } from './webhook-receiver.service.js';
import { WebhookVerifier } from './webhook-verifier.js';

/**
 * What `AtlassianModule` provides for the app's webhook routes.
 * @internal
 */
export const webhookReceivingProviders: Provider[] = [
  WebhookDeliveryStore,
  WebhookDeliveryRouter,
  WebhookVerifier,
  WebhookReceiver,
  JiraWebhookGuard,
  BitbucketWebhookGuard,
  WebhookDeliveryInterceptor,
];
