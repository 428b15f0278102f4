import type { Histogram, Meter, MeterProvider, ObservableGauge } from '@opentelemetry/api';
import { LIBRARY_SCOPE } from './library-scope.js';
import { openTelemetryApi } from './opentelemetry-api.js';
import { Attr, InstrumentName } from './telemetry-names.js';

/** The semantic conventions' advice for HTTP durations, in seconds. */
const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
];
/** Waits run from a second to the longest a retry may wait (`api.maxRetryWaitMs`). */
const WAIT_BUCKETS = [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];
/** A tick is a few queries when nothing is due, minutes for a large backlog. */
const TICK_BUCKETS = [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300];

/** The instruments of this package, from the app's meter provider. */
export interface AtlassianInstruments {
  refreshDuration: Histogram;
  tokenEndpointDuration: Histogram;
  apiRequestDuration: Histogram;
  rateLimitWaitDuration: Histogram;
  schedulerTickDuration: Histogram;
}

/** What one module reports at a collection: the database's counts, the same on every instance. */
export interface AccountCounts {
  byStatus: Array<{ provider: string; status: string; count: number }>;
  due: number;
}

/** Reads the counts at a collection; undefined when they cannot be read now (nothing is reported). */
export type AccountCountSource = () => Promise<AccountCounts | undefined>;

/** The budgets the latest answers reported, as `RateLimitBudgets.all()` gives them. */
export type RateLimitBudgetSource = () => Array<{
  product: string;
  cloudId?: string;
  policy?: string;
  remaining?: number;
  nearLimit: boolean;
}>;

const accountCountSources = new Set<AccountCountSource>();
const budgetSources = new Set<RateLimitBudgetSource>();
let current: { provider: MeterProvider; instruments: AtlassianInstruments | undefined } | undefined;

/**
 * The instruments, or undefined without `@opentelemetry/api`. Built again when the app registers
 * another meter provider (the API has no proxy for meters), so that an SDK started after the module
 * still gets every measurement from then on.
 */
export function instruments(): AtlassianInstruments | undefined {
  const api = openTelemetryApi();
  if (!api) return undefined;
  const provider = api.metrics.getMeterProvider();
  if (current?.provider !== provider) {
    const meter = provider.getMeter(LIBRARY_SCOPE.name, LIBRARY_SCOPE.version);
    // The API's no-op meter (no SDK registered): nothing to record, so nothing to compute per call.
    current = {
      provider,
      instruments: meter === api.createNoopMeter() ? undefined : createInstruments(meter),
    };
  }
  return current.instruments;
}

/** Reports `source`'s counts at each collection until the returned function is called. */
export function observeAccountCounts(source: AccountCountSource): () => void {
  accountCountSources.add(source);
  instruments();
  return () => accountCountSources.delete(source);
}

/** Reports `source`'s rate-limit budgets at each collection until the returned function is called. */
export function observeRateLimitBudgets(source: RateLimitBudgetSource): () => void {
  budgetSources.add(source);
  instruments();
  return () => budgetSources.delete(source);
}

function createInstruments(meter: Meter): AtlassianInstruments {
  const seconds = (name: string, description: string, buckets: number[]) =>
    meter.createHistogram(name, {
      description,
      unit: 's',
      advice: { explicitBucketBoundaries: buckets },
    });
  const accounts = meter.createObservableGauge(InstrumentName.Accounts, {
    description:
      'Linked accounts by provider and status (a database count: every instance reports the same).',
    unit: '{account}',
  });
  const due = meter.createObservableGauge(InstrumentName.RefreshDue, {
    description: 'Accounts due for a token refresh now: the backlog a scheduler tick starts with.',
    unit: '{account}',
  });
  meter.addBatchObservableCallback(
    async (result) => {
      for (const source of accountCountSources) {
        const counts = await source();
        if (!counts) continue;
        for (const { provider, status, count } of counts.byStatus)
          result.observe(accounts, count, {
            [Attr.Provider]: provider,
            [Attr.AccountStatus]: status,
          });
        result.observe(due, counts.due);
      }
    },
    [accounts, due] as ObservableGauge[],
  );
  const remaining = meter.createObservableGauge(InstrumentName.RateLimitRemaining, {
    description:
      'What the latest answer said is left of a rate-limit budget (this process), by product, site and policy.',
    unit: '{point}',
  });
  const nearLimit = meter.createObservableGauge(InstrumentName.RateLimitNearLimit, {
    description: '1 when the latest answer said less than 20% of a budget is left, else 0.',
    unit: '1',
  });
  meter.addBatchObservableCallback(
    (result) => {
      for (const source of budgetSources) {
        for (const budget of source()) {
          const attributes = {
            [Attr.Product]: budget.product,
            ...(budget.cloudId && { [Attr.CloudId]: budget.cloudId }),
            ...(budget.policy && { [Attr.RateLimitPolicy]: budget.policy }),
          };
          if (budget.remaining !== undefined)
            result.observe(remaining, budget.remaining, attributes);
          result.observe(nearLimit, budget.nearLimit ? 1 : 0, attributes);
        }
      }
    },
    [remaining, nearLimit] as ObservableGauge[],
  );
  return {
    refreshDuration: seconds(
      InstrumentName.RefreshDuration,
      'Duration of token refreshes, by provider and outcome.',
      HTTP_DURATION_BUCKETS,
    ),
    tokenEndpointDuration: seconds(
      InstrumentName.TokenEndpointDuration,
      "Duration of requests to a provider's token endpoint.",
      HTTP_DURATION_BUCKETS,
    ),
    apiRequestDuration: seconds(
      InstrumentName.ApiRequestDuration,
      'Duration of requests to Jira, Confluence and Bitbucket (each retry is one request).',
      HTTP_DURATION_BUCKETS,
    ),
    rateLimitWaitDuration: seconds(
      InstrumentName.RateLimitWaitDuration,
      'Waits before a retry that a rate limit (429, or 503 with Retry-After) imposed.',
      WAIT_BUCKETS,
    ),
    schedulerTickDuration: seconds(
      InstrumentName.SchedulerTickDuration,
      'Duration of scheduled job ticks.',
      TICK_BUCKETS,
    ),
  };
}

/** Seconds since `startedAt` (a `performance.now()` reading). */
export function secondsSince(startedAt: number): number {
  return (performance.now() - startedAt) / 1000;
}
