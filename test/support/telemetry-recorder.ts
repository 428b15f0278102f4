import { context, metrics, trace, type Attributes } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
  type DataPoint,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

/** A recorded span, as plain data. */
export interface RecordedSpan {
  name: string;
  kind: number;
  spanId: string;
  parentSpanId: string | undefined;
  attributes: Attributes;
  events: Array<{ name: string; attributes: Attributes }>;
  status: { code: number; message?: string };
  scope: string;
}

/** A recorded data point of a metric, as plain data. */
export interface RecordedPoint {
  attributes: Attributes;
  /** A counter's or gauge's value. */
  value?: number;
  /** A histogram's count and sum. */
  count?: number;
  sum?: number;
}

/**
 * The OpenTelemetry SDK as an app would register it (global meter and tracer providers, the
 * AsyncLocalStorage context manager), exporting to memory: what a test reads back.
 */
export class TelemetryRecorder {
  private readonly spanExporter = new InMemorySpanExporter();
  private readonly metricExporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  private readonly reader = new PeriodicExportingMetricReader({
    exporter: this.metricExporter,
    // Exports when the test flushes, not on a timer.
    exportIntervalMillis: 24 * 3600_000,
  });
  private readonly meterProvider = new MeterProvider({ readers: [this.reader] });
  private readonly tracerProvider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(this.spanExporter)],
  });
  private readonly contextManager = new AsyncLocalStorageContextManager();

  /** Registers the providers as the process's global ones. */
  static register(): TelemetryRecorder {
    const recorder = new TelemetryRecorder();
    context.setGlobalContextManager(recorder.contextManager.enable());
    trace.setGlobalTracerProvider(recorder.tracerProvider);
    metrics.setGlobalMeterProvider(recorder.meterProvider);
    return recorder;
  }

  /** Every span ended so far, oldest first. */
  spans(name?: string): RecordedSpan[] {
    return this.spanExporter
      .getFinishedSpans()
      .filter((span) => name === undefined || span.name === name)
      .map(plainSpan);
  }

  /** Collects now (observable callbacks run) and returns every metric of this collection by name. */
  async collect(): Promise<Map<string, MetricData>> {
    await this.reader.forceFlush();
    const latest = this.metricExporter.getMetrics().at(-1);
    const byName = new Map<string, MetricData>();
    for (const scope of latest?.scopeMetrics ?? [])
      for (const metric of scope.metrics) byName.set(metric.descriptor.name, metric);
    return byName;
  }

  /** A metric's points as plain data; none when the metric was not recorded. */
  static points(metric: MetricData | undefined): RecordedPoint[] {
    return (metric?.dataPoints ?? []).map((point: DataPoint<unknown>) => {
      const value = point.value as number | { count: number; sum?: number };
      return typeof value === 'number'
        ? { attributes: point.attributes, value }
        : { attributes: point.attributes, count: value.count, sum: value.sum };
    });
  }

  /** Everything exported so far (every span, every metric of every collection), as one string. */
  everything(): string {
    return JSON.stringify({
      spans: this.spans(),
      metrics: this.metricExporter.getMetrics().flatMap((resource) =>
        resource.scopeMetrics.flatMap((scope) =>
          scope.metrics.map((metric) => ({
            scope: scope.scope,
            descriptor: metric.descriptor,
            points: TelemetryRecorder.points(metric),
          })),
        ),
      ),
    });
  }

  /** Unregisters the providers and shuts them down. */
  async shutdown(): Promise<void> {
    metrics.disable();
    trace.disable();
    context.disable();
    await this.meterProvider.shutdown();
    await this.tracerProvider.shutdown();
  }
}

function plainSpan(span: ReadableSpan): RecordedSpan {
  return {
    name: span.name,
    kind: span.kind,
    spanId: span.spanContext().spanId,
    parentSpanId: span.parentSpanContext?.spanId,
    attributes: span.attributes,
    events: span.events.map((event) => ({ name: event.name, attributes: event.attributes ?? {} })),
    status: span.status,
    scope: `${span.instrumentationScope.name}@${span.instrumentationScope.version}`,
  };
}
