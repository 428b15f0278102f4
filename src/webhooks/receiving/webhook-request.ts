import { HttpStatus } from '@nestjs/common';
import type { AppRequest } from '../../http/app-request.interface.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';

/**
 * A webhook request as Express and Fastify both hand it over when the app is created with
 * `rawBody: true`: Nest's body parser keeps the exact bytes in `rawBody`.
 * @internal
 */
export interface WebhookRequest extends AppRequest {
  rawBody?: Buffer;
}

/** One header's value; a header sent twice counts as absent (no guessing which one was signed). */
export function singleHeader(request: WebhookRequest, name: string): string | undefined {
  const value = request.headers[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * The exact bytes of the body, within `maxBodyBytes`. A JSON body without `rawBody` means the app was
 * not created with `rawBody: true`: that is the app's setup to fix, so it says how (a 500 the
 * provider retries, while the app is fixed).
 */
export function rawBodyOf(request: WebhookRequest, maxBodyBytes: number): Buffer {
  const body = request.rawBody;
  if (!Buffer.isBuffer(body)) {
    if (isJson(request) && hasBody(request)) {
      throw new AtlassianWebhookError(
        AtlassianErrorCode.WebhookReceiverMisconfigured,
        HttpStatus.INTERNAL_SERVER_ERROR,
        'Webhook routes need the exact body bytes: create the app with NestFactory.create(AppModule, { rawBody: true }) (Express and Fastify alike).',
      );
    }
    throw new AtlassianWebhookError(
      AtlassianErrorCode.WebhookDeliveryInvalid,
      HttpStatus.BAD_REQUEST,
      'A webhook delivery is a JSON body with Content-Type: application/json.',
    );
  }
  if (body.length > maxBodyBytes) {
    throw new AtlassianWebhookError(
      AtlassianErrorCode.WebhookPayloadTooLarge,
      HttpStatus.PAYLOAD_TOO_LARGE,
      `The body has ${body.length} bytes, more than webhooks.maxBodyBytes (${maxBodyBytes}).`,
    );
  }
  return body;
}

/** The body as a JSON object; anything else is a 400. */
export function jsonObjectOf(rawBody: Buffer): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(rawBody.toString('utf8'));
  } catch {
    value = undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidDelivery('The body is not a JSON object.');
  return value as Record<string, unknown>;
}

/** A signed delivery that lacks what every delivery carries (400: the provider does not retry it). */
export function invalidDelivery(message: string): AtlassianWebhookError {
  return new AtlassianWebhookError(
    AtlassianErrorCode.WebhookDeliveryInvalid,
    HttpStatus.BAD_REQUEST,
    message,
  );
}

function isJson(request: WebhookRequest): boolean {
  return /^application\/([\w.+-]+\+)?json\b/i.test(singleHeader(request, 'content-type') ?? '');
}

function hasBody(request: WebhookRequest): boolean {
  const length = singleHeader(request, 'content-length');
  return request.headers['transfer-encoding'] !== undefined || (!!length && length !== '0');
}
