import { merged } from '../common/merged.js';
import { httpMethod, serverAttributes, urlTemplate } from './http-attributes.js';
import { measuredExchange } from './measured-exchange.js';
import {
  sendHttpExchange,
  type HttpAnswer,
  type HttpExchange,
} from '../providers/http-exchange.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { inSpan, tracingApi } from './span.js';
import { Attr } from './telemetry-names.js';

/** How a token request is sent. */
export type SendRequest = (url: string, exchange: HttpExchange) => Promise<HttpAnswer>;

const GRANT_TYPES = new Set(['authorization_code', 'refresh_token']);

/**
 * One token request (a code exchange or a refresh) in a client span named `POST {url.template}`, its
 * exchange measured on `atlassian.token_endpoint.request.duration`. `request` sends through the
 * `send` it is given. Nothing of the body (code, verifier, refresh token, secret) is recorded.
 */
export function traceTokenRequest<T>(
  provider: string,
  grantType: string | undefined,
  url: string,
  request: (send: SendRequest) => Promise<T>,
): Promise<T> {
  if (!openTelemetryApi()) return request(sendHttpExchange);
  const attributes = {
    [Attr.Provider]: provider,
    [Attr.GrantType]: grantType && GRANT_TYPES.has(grantType) ? grantType : '_OTHER',
  };
  const measured: SendRequest = (to, exchange) =>
    measuredExchange('tokenEndpointDuration', attributes, to, exchange);
  if (!tracingApi()) return request(measured);
  const target = new URL(url);
  const template = urlTemplate(target.pathname);
  return inSpan(
    `POST ${template}`,
    'client',
    merged(attributes, {
      [Attr.HttpMethod]: httpMethod('POST'),
      [Attr.UrlTemplate]: template,
      ...serverAttributes(target),
    }),
    () => request(measured),
  );
}
