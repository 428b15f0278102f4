import type { Attributes } from '@opentelemetry/api';
import { errorType } from './error-type.js';
import { LIBRARY_SCOPE } from './library-scope.js';
import { openTelemetryApi, type OpenTelemetryApi } from './opentelemetry-api.js';
import { Attr } from './telemetry-names.js';

/** What a traced step may add to its span once it knows more (an outcome, a status). */
export interface SpanAttributeSink {
  setAttributes(attributes: Attributes): unknown;
}

const NO_SPAN: SpanAttributeSink = { setAttributes: () => undefined };

/** What the API's tracer provider delegates to while no SDK is registered (its no-op provider). */
let noopTracerProvider: unknown;

/**
 * The API when spans can be recorded (an SDK's tracer provider is registered), else undefined: without
 * an SDK every span would be the API's no-op, and building its name and attributes costs a call more
 * than the call's own bookkeeping (measured with `npm run bench -- api-client`).
 */
export function tracingApi(): OpenTelemetryApi | undefined {
  const api = openTelemetryApi();
  if (!api) return undefined;
  noopTracerProvider ??= new api.ProxyTracerProvider().getDelegate();
  const provider = api.trace.getTracerProvider() as { getDelegate?: () => unknown };
  return provider.getDelegate?.() === noopTracerProvider ? undefined : api;
}

/**
 * Runs `work` in an active span (so that the spans it starts are its children). A failure sets the
 * span's status, `error.type` and an `exception` event carrying the type only: an error's message
 * may quote the provider, and its stack nothing a trace needs.
 */
export function inSpan<T>(
  name: string,
  kind: 'internal' | 'client',
  attributes: Attributes,
  work: (span: SpanAttributeSink) => Promise<T>,
): Promise<T> {
  const api = tracingApi();
  if (!api) return work(NO_SPAN);
  const tracer = api.trace.getTracer(LIBRARY_SCOPE.name, LIBRARY_SCOPE.version);
  const spanKind = kind === 'client' ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL;
  return tracer.startActiveSpan(name, { kind: spanKind, attributes }, async (span) => {
    try {
      return await work(span);
    } catch (err) {
      const type = errorType(err);
      span.setAttribute(Attr.ErrorType, type);
      span.addEvent('exception', { [Attr.ExceptionType]: type });
      span.setStatus({ code: api.SpanStatusCode.ERROR, message: type });
      throw err;
    } finally {
      span.end();
    }
  });
}
