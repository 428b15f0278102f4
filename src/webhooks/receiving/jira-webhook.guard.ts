import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { attachVerified } from './verified-delivery.js';
import { logRefusal } from './webhook-refusal-log.js';
import type { WebhookRequest } from './webhook-request.js';
import { WebhookVerifier } from './webhook-verifier.js';

/**
 * Lets a request through only when it is a genuine Jira delivery (401, 413 or 400 otherwise).
 * @internal Applied by `@JiraWebhookEndpoint()`.
 */
@Injectable()
export class JiraWebhookGuard implements CanActivate {
  constructor(private readonly verifier: WebhookVerifier) {}

  canActivate(context: ExecutionContext): boolean {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    try {
      attachVerified(request, this.verifier.verifyJira(request));
    } catch (err) {
      throw logRefusal('Jira', err);
    }
    return true;
  }
}
