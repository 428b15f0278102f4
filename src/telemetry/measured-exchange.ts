import type { Attributes, Histogram } from '@opentelemetry/api';
import { merged } from '../common/merged.js';
import { errorType } from './error-type.js';
import { httpMethod, serverAttributes } from './http-attributes.js';
import { instruments, secondsSince } from './instruments.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { Attr } from './telemetry-names.js';
import {
  sendHttpExchange,
  type HttpAnswer,
  type HttpExchange,
} from '../providers/http-exchange.js';

/** The histograms one HTTP exchange is recorded on. */
export type HttpExchangeHistogram = 'apiRequestDuration' | 'tokenEndpointDuration';

/**
 * One HTTP exchange ({@link sendHttpExchange}), recorded on `histogram` (method, server, status or
 * error type, plus `attributes`) with its status set on the active span, the call it belongs to. The
 * URL's path and query, and every header, stay out of it. Without a meter, the exchange alone: no
 * wrapper promise, no attribute objects to collect.
 */
export function measuredExchange(
  histogram: HttpExchangeHistogram,
  attributes: Attributes | (() => Attributes),
  url: string,
  exchange: HttpExchange,
): Promise<HttpAnswer> {
  const recorder = instruments()?.[histogram];
  if (!recorder) return sendHttpExchange(url, exchange);
  return measured(
    recorder,
    typeof attributes === 'function' ? attributes() : attributes,
    url,
    exchange,
  );
}

async function measured(
  recorder: Histogram,
  attributes: Attributes,
  url: string,
  exchange: HttpExchange,
): Promise<HttpAnswer> {
  const startedAt = performance.now();
  const recorded = merged(attributes, {
    [Attr.HttpMethod]: httpMethod(exchange.method),
    ...serverAttributes(new URL(url)),
  });
  const record = (outcome: Attributes) =>
    recorder.record(secondsSince(startedAt), merged(recorded, outcome));
  let response: HttpAnswer;
  try {
    response = await sendHttpExchange(url, exchange);
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
