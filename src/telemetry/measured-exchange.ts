import type { Attributes, Histogram } from '@opentelemetry/api';
import { errorType } from './error-type.js';
import { httpMethod, serverAttributes } from './http-attributes.js';
import { instruments, secondsSince } from './instruments.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { Attr } from './telemetry-names.js';

/** The histograms one HTTP exchange is recorded on. */
export type HttpExchangeHistogram = 'apiRequestDuration' | 'tokenEndpointDuration';

/**
 * One HTTP exchange sent by `send`, recorded on `histogram` (method, server, status or error type,
 * plus `attributes`) with its status set on the active span, the call it belongs to. The URL's path
 * and query, and every header, stay out of it. Without a meter, `send()` alone: no wrapper promise,
 * no attribute objects to collect.
 */
export function measuredExchange<T extends { status: number }>(
  histogram: HttpExchangeHistogram,
  attributes: Attributes | (() => Attributes),
  url: string,
  method: string | undefined,
  send: () => Promise<T>,
): Promise<T> {
  const recorder = instruments()?.[histogram];
  if (!recorder) return send();
  return measured(
    recorder,
    typeof attributes === 'function' ? attributes() : attributes,
    url,
    method,
    send,
  );
}

async function measured<T extends { status: number }>(
  recorder: Histogram,
  attributes: Attributes,
  url: string,
  method: string | undefined,
  send: () => Promise<T>,
): Promise<T> {
  const startedAt = performance.now();
  const exchange = {
    ...attributes,
    [Attr.HttpMethod]: httpMethod(method),
    ...serverAttributes(new URL(url)),
  };
  const record = (outcome: Attributes) =>
    recorder.record(secondsSince(startedAt), { ...exchange, ...outcome });
  let response: T;
  try {
    response = await send();
  } catch (err) {
    record({ [Attr.ErrorType]: errorType(err) });
    throw err;
  }
  const outcome = {
    [Attr.HttpStatusCode]: response.status,
    ...(response.status >= 400 && { [Attr.ErrorType]: String(response.status) }),
  };
  record(outcome);
  openTelemetryApi()?.trace.getActiveSpan()?.setAttributes(outcome);
  return response;
}
