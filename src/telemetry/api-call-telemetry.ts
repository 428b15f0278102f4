import type { ApiCallTarget } from '../errors/api-errors.js';
import { httpMethod, serverAttributes, urlTemplate } from './http-attributes.js';
import { instruments } from './instruments.js';
import { measuredExchange } from './measured-exchange.js';
import type { HttpAnswer, HttpExchange } from '../providers/http-exchange.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { inSpan, tracingApi } from './span.js';
import { Attr } from './telemetry-names.js';
import { merged } from '../common/merged.js';

/**
 * One call to Jira, Confluence or Bitbucket, retries and waits included, in a client span named
 * `{method} {url.template}`: the template, never the URL (its query may carry JQL) nor a header.
 */
export function traceApiCall<T>(
  target: ApiCallTarget,
  url: string,
  call: () => Promise<T>,
): Promise<T> {
  if (!tracingApi()) return call();
  const method = httpMethod(target.method);
  const template = urlTemplate(target.path);
  return inSpan(
    `${method} ${template}`,
    'client',
    {
      [Attr.Product]: target.product,
      [Attr.HttpMethod]: method,
      [Attr.UrlTemplate]: template,
      ...serverAttributes(new URL(url)),
    },
    call,
  );
}

/** Sends one exchange of an API call, measured on `atlassian.api.request.duration`. */
export function sendForApiCall(
  target: ApiCallTarget,
  url: string,
  exchange: HttpExchange,
): Promise<HttpAnswer> {
  return measuredExchange(
    'apiRequestDuration',
    () => ({ [Attr.Product]: target.product }),
    url,
    exchange,
  );
}

/** A wait a rate limit imposed: on `atlassian.api.rate_limit.wait.duration` and as an event of the call's span. */
export function recordRateLimitWait(target: ApiCallTarget, status: number, waitMs: number): void {
  const attributes = { [Attr.Product]: target.product, [Attr.HttpStatusCode]: status };
  instruments()?.rateLimitWaitDuration.record(waitMs / 1000, attributes);
  openTelemetryApi()
    ?.trace.getActiveSpan()
    ?.addEvent(
      'atlassian.rate_limit.wait',
      merged(attributes, { 'atlassian.wait.seconds': waitMs / 1000 }),
    );
}
