import {
  applyDecorators,
  createParamDecorator,
  HttpCode,
  HttpStatus,
  UseGuards,
  UseInterceptors,
  type ExecutionContext,
} from '@nestjs/common';
import { BitbucketWebhookGuard } from './bitbucket-webhook.guard.js';
import { JiraWebhookGuard } from './jira-webhook.guard.js';
import { eventOf } from './verified-delivery.js';
import { WebhookDeliveryInterceptor } from './webhook-delivery.interceptor.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * Makes a `@Post()` route the app's Jira webhook endpoint: it verifies the delivery's JWT, refuses
 * what is not a genuine delivery (401, 413, 400), handles each delivery id once across retries and
 * instances, publishes it as `atlassian.webhook.<webhookEvent>` and answers 200 once it is recorded.
 */
export function JiraWebhookEndpoint(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    HttpCode(HttpStatus.OK),
    UseGuards(JiraWebhookGuard),
    UseInterceptors(WebhookDeliveryInterceptor),
  );
}

/**
 * Makes a `@Post()` route the app's Bitbucket webhook endpoint: as {@link JiraWebhookEndpoint}, with
 * the hook's `X-Hub-Signature`, publishing `atlassian.webhook.bitbucket.<X-Event-Key>`.
 */
export function BitbucketWebhookEndpoint(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    HttpCode(HttpStatus.OK),
    UseGuards(BitbucketWebhookGuard),
    UseInterceptors(WebhookDeliveryInterceptor),
  );
}

/**
 * The delivery of a webhook route (a `JiraWebhookEvent` or `BitbucketWebhookEvent`): the same object
 * the event handlers get, verified and traced to its accounts.
 */
export const VerifiedWebhookDelivery = createParamDecorator(
  (_data: unknown, context: ExecutionContext) =>
    eventOf(context.switchToHttp().getRequest<WebhookRequest>()),
);
