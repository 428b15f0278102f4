/**
 * Every name this package's telemetry uses: instruments under `atlassian.`, attributes from the
 * OpenTelemetry semantic conventions where one exists (`http.*`, `server.*`, `url.*`, `error.type`),
 * else under `atlassian.`. The README's "Metrics and traces" section lists them.
 */
export const InstrumentName = {
  /** Histogram, s: one token refresh, from the claim to the stored pair (or the refusal). */
  RefreshDuration: 'atlassian.token.refresh.duration',
  /** Histogram, s: one HTTP exchange with a provider's token endpoint (code exchange or refresh). */
  TokenEndpointDuration: 'atlassian.token_endpoint.request.duration',
  /** Histogram, s: one HTTP exchange with Jira, Confluence or Bitbucket (each retry is one). */
  ApiRequestDuration: 'atlassian.api.request.duration',
  /** Histogram, s: one wait that a 429 (or a 503 with Retry-After) imposed before a retry. */
  RateLimitWaitDuration: 'atlassian.api.rate_limit.wait.duration',
  /** Histogram, s: one tick of a scheduled job. */
  SchedulerTickDuration: 'atlassian.scheduler.tick.duration',
  /** Gauge, {account}: accounts due for a refresh now, the backlog a scheduler tick starts with. */
  RefreshDue: 'atlassian.token.refresh.due',
  /** Gauge, {account}: linked accounts by provider and status. */
  Accounts: 'atlassian.accounts',
  /** Gauge, {point}: what the latest answer said is left of a rate-limit budget, by product, site and policy. */
  RateLimitRemaining: 'atlassian.api.rate_limit.remaining',
  /** Gauge, 1 or 0: the latest answer said less than 20% of a budget is left (`X-RateLimit-NearLimit`). */
  RateLimitNearLimit: 'atlassian.api.rate_limit.near_limit',
} as const;

/** Span names of the package's own steps; HTTP client spans are named `{method} {url.template}`. */
export const SpanName = {
  SignIn: 'atlassian.sign_in',
  Refresh: 'atlassian.token.refresh',
} as const;

export const Attr = {
  Provider: 'atlassian.provider',
  Product: 'atlassian.product',
  AccountId: 'atlassian.account.id',
  AccountStatus: 'atlassian.account.status',
  CloudId: 'atlassian.site.cloud_id',
  RateLimitPolicy: 'atlassian.rate_limit.policy',
  RefreshOutcome: 'atlassian.token.refresh.outcome',
  GrantType: 'atlassian.oauth.grant_type',
  SchedulerJob: 'atlassian.scheduler.job',
  HttpMethod: 'http.request.method',
  HttpStatusCode: 'http.response.status_code',
  ResendCount: 'http.request.resend_count',
  ServerAddress: 'server.address',
  ServerPort: 'server.port',
  UrlScheme: 'url.scheme',
  UrlTemplate: 'url.template',
  ErrorType: 'error.type',
  ExceptionType: 'exception.type',
} as const;
