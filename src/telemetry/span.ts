import type { Attributes } from '@opentelemetry/api';
import { errorType } from './error-type.js';
import { LIBRARY_SCOPE } from './library-scope.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { Attr } from './telemetry-names.js';

/** What a traced step may add to its span once it knows more (an outcome, a status). */
export interface SpanAttributeSink {
  setAttributes(attributes: Attributes): unknown;
}

const NO_SPAN: SpanAttributeSink = { setAttributes: () => undefined };

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
  const api = openTelemetryApi();
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
