import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import { TokenCipher, webhookSecretBinding } from '../../crypto/token-cipher.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { verifyBitbucketSignature } from './bitbucket-webhook-signature.js';
import { verifyJiraWebhookJwt } from './jira-webhook-jwt.js';
import type { VerifiedDelivery } from './verified-delivery.js';
import { WebhookDeliveryRouter } from './webhook-delivery-router.js';
import { bitbucketWebhookProtocol, jiraWebhookProtocol } from './webhook-protocol.js';
import {
  invalidDelivery,
  jsonObjectOf,
  rawBodyOf,
  singleHeader,
  type WebhookRequest,
} from './webhook-request.js';

/**
 * Decides whether a request is a genuine delivery: size, then signature, then the headers every
 * delivery carries. Reads nothing but the request (and, for Bitbucket, the hook's secret); writes nothing.
 * @internal Used by the guards of `@JiraWebhookEndpoint()` and `@BitbucketWebhookEndpoint()`.
 */
@Injectable()
export class WebhookVerifier {
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
    private readonly cipher: TokenCipher,
    private readonly router: WebhookDeliveryRouter,
  ) {}

  /** A Jira delivery: `Authorization: Bearer <JWT>` by the client secret (or a previous one). */
  verifyJira(request: WebhookRequest): VerifiedDelivery {
    const rawBody = rawBodyOf(request, this.options.webhooks.maxBodyBytes);
    verifyJiraWebhookJwt(singleHeader(request, jiraWebhookProtocol.authorization), {
      secrets: [
        this.options.atlassian.clientSecret,
        ...this.options.webhooks.previousClientSecrets,
      ],
      nowMs: this.clock.now().getTime(),
      clockToleranceMs: this.options.webhooks.clockToleranceMs,
    });
    const payload = jsonObjectOf(rawBody);
    if (typeof payload.webhookEvent !== 'string' || payload.webhookEvent === '')
      throw invalidDelivery('The Jira delivery has no "webhookEvent".');
    return {
      provider: 'atlassian',
      deliveryId: requiredHeader(request, jiraWebhookProtocol.deliveryId),
      event: payload.webhookEvent,
      retryCount: counter(request, jiraWebhookProtocol.retry, 0),
      payload,
    };
  }

  /** A Bitbucket delivery: `X-Hub-Signature` by the secret of the hook `X-Hook-UUID` names. */
  async verifyBitbucket(request: WebhookRequest): Promise<VerifiedDelivery> {
    const rawBody = rawBodyOf(request, this.options.webhooks.maxBodyBytes);
    const hookId = singleHeader(request, bitbucketWebhookProtocol.hookId);
    const hook = hookId ? await this.router.findBitbucketHook(hookId) : null;
    if (!hook?.secretEncrypted) {
      throw new AtlassianWebhookError(
        AtlassianErrorCode.WebhookSignatureInvalid,
        HttpStatus.UNAUTHORIZED,
        `The delivery's ${bitbucketWebhookProtocol.hookId} names no Bitbucket hook registered with a secret.`,
      );
    }
    const secret = this.cipher.decrypt(hook.secretEncrypted, webhookSecretBinding(hook.id));
    verifyBitbucketSignature(
      singleHeader(request, bitbucketWebhookProtocol.signature),
      rawBody,
      secret,
    );
    const payload = jsonObjectOf(rawBody);
    return {
      provider: 'bitbucket',
      deliveryId: requiredHeader(request, bitbucketWebhookProtocol.deliveryId),
      event: requiredHeader(request, bitbucketWebhookProtocol.event),
      retryCount: Math.max(0, counter(request, bitbucketWebhookProtocol.attempt, 1) - 1),
      payload,
      registration: hook,
    };
  }
}

/** Delivery ids are stored (up to 128 characters); anything longer is not one. */
function requiredHeader(request: WebhookRequest, name: string): string {
  const value = singleHeader(request, name)?.trim();
  if (!value || value.length > 128)
    throw invalidDelivery(`The delivery has no valid ${name} header.`);
  return value;
}

function counter(request: WebhookRequest, name: string, fallback: number): number {
  const value = Number(singleHeader(request, name) ?? fallback);
  return Number.isSafeInteger(value) && value >= 0 ? value : fallback;
}
