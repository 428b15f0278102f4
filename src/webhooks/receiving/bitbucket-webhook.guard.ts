import { Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { attachVerified } from './verified-delivery.js';
import { logRefusal } from './webhook-refusal-log.js';
import type { WebhookRequest } from './webhook-request.js';
import { WebhookVerifier } from './webhook-verifier.js';

/**
 * Lets a request through only when it is a genuine Bitbucket delivery (401, 413 or 400 otherwise).
 * @internal Applied by `@BitbucketWebhookEndpoint()`.
 */
@Injectable()
export class BitbucketWebhookGuard implements CanActivate {
  constructor(private readonly verifier: WebhookVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<WebhookRequest>();
    try {
      attachVerified(request, await this.verifier.verifyBitbucket(request));
    } catch (err) {
      throw logRefusal('Bitbucket', err);
    }
    return true;
  }
}
