import type { Attributes, Histogram } from '@opentelemetry/api';
import { errorType } from './error-type.js';
import { httpMethod, serverAttributes } from './http-attributes.js';
import { instruments, secondsSince } from './instruments.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { Attr } from './telemetry-names.js';

/** The histograms one HTTP exchange is recorded on. */
export type HttpExchangeHistogram = 'apiRequestDuration' | 'tokenEndpointDuration';

/**
 * `fetch`, with the exchange recorded on `histogram` (method, server, status or error type, plus
 * `attributes`) and its status set on the active span, the call it belongs to. The URL's path and
 * query, and every header, stay out of it.
 */
export function measuredFetch(
  histogram: HttpExchangeHistogram,
  attributes: Attributes | (() => Attributes),
  url: string,
  init: RequestInit,
): Promise<Response> {
  const recorder = instruments()?.[histogram];
  // Without a meter, the bare fetch: no wrapper promise, no attribute objects to collect.
  if (!recorder) return fetch(url, init);
  return measured(
    recorder,
    typeof attributes === 'function' ? attributes() : attributes,
    url,
    init,
  );
}

async function measured(
  recorder: Histogram,
  attributes: Attributes,
  url: string,
  init: RequestInit,
): Promise<Response> {
  const startedAt = performance.now();
  const exchange = {
    ...attributes,
    [Attr.HttpMethod]: httpMethod(init.method),
    ...serverAttributes(new URL(url)),
  };
  const record = (outcome: Attributes) =>
    recorder.record(secondsSince(startedAt), { ...exchange, ...outcome });
  let response: Response;
  try {
    response = await fetch(url, init);
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
