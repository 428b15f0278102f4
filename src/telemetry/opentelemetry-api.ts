/** `@opentelemetry/api` as this package uses it: a type-only import, which costs nothing at run time. */
export type OpenTelemetryApi = typeof import('@opentelemetry/api');

let api: OpenTelemetryApi | undefined;
let loading: Promise<OpenTelemetryApi | undefined> | undefined;

/**
 * Loads `@opentelemetry/api`, an optional peer, once per process. Without it every instrument and
 * span of this package is skipped; with it and no SDK registered, the API's own no-ops run.
 */
export function loadOpenTelemetryApi(): Promise<OpenTelemetryApi | undefined> {
  loading ??= import('@opentelemetry/api').then(
    (loaded) => (api = loaded),
    () => undefined,
  );
  return loading;
}

/** The API once {@link loadOpenTelemetryApi} found it (the module loads it at init); undefined otherwise. */
export function openTelemetryApi(): OpenTelemetryApi | undefined {
  return api;
}
