import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { from, lastValueFrom, type Observable } from 'rxjs';
import { verifiedOf } from './verified-delivery.js';
import { WebhookReceiver } from './webhook-receiver.service.js';
import { logRefusal } from './webhook-refusal-log.js';
import type { WebhookRequest } from './webhook-request.js';

/**
 * Runs the route inside the delivery's claim: published, routed, recorded handled (see {@link WebhookReceiver}).
 * @internal Applied by `@JiraWebhookEndpoint()` and `@BitbucketWebhookEndpoint()`.
 */
@Injectable()
export class WebhookDeliveryInterceptor implements NestInterceptor {
  constructor(private readonly receiver: WebhookReceiver) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    const provider = verifiedOf(request)?.provider === 'bitbucket' ? 'Bitbucket' : 'Jira';
    return from(
      this.receiver
        .receive(request, () => lastValueFrom(next.handle(), { defaultValue: undefined }))
        .catch((err: unknown) => {
          throw logRefusal(provider, err);
        }),
    );
  }
}
