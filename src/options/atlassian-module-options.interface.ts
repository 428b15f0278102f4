import type { AppRequest } from '../http/app-request.interface.js';
import type { ProviderProfile } from '../providers/provider-profile.interface.js';

/** An OAuth client registered with a provider. Endpoint defaults are the provider's. */
export interface OAuthClientOptions {
  /** Client id (Atlassian: developer.atlassian.com app; Bitbucket: the OAuth consumer's key). Required. */
  clientId: string;
  /** Its secret. Required. */
  clientSecret: string;
  /** Absolute callback URL, exactly as registered (a trailing slash counts). Required. */
  callbackURL: string;
  /**
   * Base URL of the authorization server.
   * @defaultValue `https://auth.atlassian.com` / `https://bitbucket.org`
   */
  authBaseURL?: string;
  /**
   * Base URL of the API.
   * @defaultValue `https://api.atlassian.com` / `https://api.bitbucket.org`
   */
  apiBaseURL?: string;
  /**
   * Full authorize endpoint.
   * @defaultValue `${authBaseURL}/authorize` / `${authBaseURL}/site/oauth2/authorize`
   */
  authorizationURL?: string;
  /**
   * Full token endpoint.
   * @defaultValue `${authBaseURL}/oauth/token` / `${authBaseURL}/site/oauth2/access_token`
   */
  tokenURL?: string;
  /**
   * Path of the app's login route, for consent URLs.
   * @defaultValue the callback path without its last segment
   */
  loginPath?: string;
}

/** OAuth client settings for Atlassian (Jira, Confluence, the identity API). */
export interface AtlassianProviderOptions extends OAuthClientOptions {
  /**
   * Extra scopes to request; `read:me` and `offline_access` are always added.
   * @defaultValue none
   */
  scope?: string[];
  /**
   * Scopes the login route's `?scope=` may add to a consent (incremental consent); any other is refused
   * with 400 `oauth_scope_not_allowed`, so a link cannot ask for scopes the app never needs.
   * @defaultValue the scopes named by `@RequireAtlassianScopes()` in the app
   */
  incrementalScopes?: string[];
  /**
   * Send S256 PKCE with the authorization request.
   * @defaultValue `true`
   */
  pkce?: boolean;
}

/** OAuth consumer settings for Bitbucket Cloud (scopes are set on the consumer; no PKCE). */
export type BitbucketProviderOptions = OAuthClientOptions;

/** A named encryption key: `key` is 32 bytes as base64 (44 chars) or hex (64 chars). */
export interface EncryptionKeyInput {
  /** Short id written into every ciphertext so that keys can rotate; letters, digits, `_` and `-`. */
  id: string;
  /** The 32-byte AES-256 key, base64 or hex. */
  key: string;
}

/** What {@link AtlassianModuleOptions.resolveUser} is told about a provider account that signs in for the first time. */
export interface ResolveUserContext {
  /** `atlassian` or `bitbucket`. */
  provider: string;
  /** The provider account: its summary and the provider's whole profile answer, with when it was fetched (no tokens). */
  profile: ProviderProfile;
  /** The incoming HTTP request of the callback (your adapter's own request object). */
  request: AppRequest;
}

/** Returns the id of the app user who owns a provider account signing in for the first time. */
export type ResolveUser = (context: ResolveUserContext) => string | Promise<string>;

/**
 * Returns the id of the app user already signed in to the app, or `undefined` when nobody is. `request`
 * is your adapter's own request object: a function typed with Express's `Request` or Fastify's
 * `FastifyRequest` is accepted too.
 */
export type GetCurrentUserId = {
  // Method syntax makes the parameter bivariant, so a function typed with the adapter's request fits.
  bivarianceHack(request: AppRequest): string | undefined | Promise<string | undefined>;
}['bivarianceHack'];

/** Settings of the short-lived cookie that carries state, PKCE verifier and return path. */
export interface StateCookieOptions {
  /**
   * Cookie name prefix; the provider id is appended.
   * @defaultValue `nestjs_atlassian_oauth`
   */
  name?: string;
  /**
   * Lifetime in seconds of a sign-in attempt.
   * @defaultValue `600` (10 minutes)
   */
  maxAgeSeconds?: number;
  /**
   * `Secure` attribute.
   * @defaultValue `true` when the callback URL is https
   */
  secure?: boolean;
}

/** How access tokens are handed out and refreshed on demand. */
export interface TokenOptions {
  /**
   * Refresh on demand when the access token expires within this many seconds (capped at half the token's lifetime).
   * @defaultValue `300`
   */
  refreshSkewSeconds?: number;
  /**
   * How long a token read from the database is served from memory, in ms; the API clients keep the
   * account and its sites as long (this process's own changes are seen at once).
   * @defaultValue `30000`
   */
  cacheTtlMs?: number;
  /**
   * How long a refresh claim (lease) lasts, in ms, by the database's clock. It covers the call to the
   * provider and the whole store budget, so nobody else can refresh while the holder may still store a
   * rotated pair; a crashed holder's claim lapses after it. Must exceed `httpTimeoutMs + storeBudgetMs`.
   * @defaultValue `httpTimeoutMs + storeBudgetMs + 5000`
   */
  refreshLeaseMs?: number;
  /**
   * How long a rotated pair the database refused (an outage, a failover) is kept in memory and its write
   * retried, in ms. Keep it well under the provider's 10-minute reuse leeway: after a give-up, a refresh
   * with the previous token recovers the account only within that leeway.
   * @defaultValue `240000` (4 minutes)
   */
  storeBudgetMs?: number;
  /**
   * How long a caller waits for another process's refresh before giving up, in ms.
   * @defaultValue `2 × httpTimeoutMs + 5000`
   */
  refreshWaitMs?: number;
  /**
   * How often a waiting caller re-reads the account, in ms.
   * @defaultValue `100`
   */
  refreshPollIntervalMs?: number;
  /**
   * First backoff after a transient refresh failure, in ms; doubles each time.
   * @defaultValue `5000`
   */
  backoffBaseMs?: number;
  /**
   * Longest backoff, in ms.
   * @defaultValue `900000` (15 minutes)
   */
  backoffMaxMs?: number;
}

/** The scheduled, proactive refresh (`TokenRefreshScheduler`). The host app imports `ScheduleModule.forRoot()`. */
export interface RefreshSchedulerOptions {
  /**
   * Run the scheduler.
   * @defaultValue `true` (it logs a warning and stays off without `@nestjs/schedule`)
   */
  enabled?: boolean;
  /**
   * Cron expression of the tick (seconds field allowed).
   * @defaultValue `'0 * * * * *'` (every minute)
   */
  cron?: string;
  /**
   * Refresh accounts whose access token expires within this many seconds (already expired included). `0` turns it off.
   * @defaultValue `600`
   */
  windowSeconds?: number;
  /**
   * The window refreshes only accounts used (an access token taken) or signed in within this many ms; the others are refreshed on demand, at their next use, and by the keep-alive. `0` or `null`: every account, as before.
   * @defaultValue `21600000` (6 hours)
   */
  proactiveForUsedWithinMs?: number | null;
  /**
   * How often each process writes the accounts it used to `lastUsedAt`, in ms: one UPDATE per flush, never one per call (also at shutdown).
   * @defaultValue `60000`
   */
  usageFlushIntervalMs?: number;
  /**
   * Refresh accounts not refreshed for this many days, well before the 90-day inactivity expiry.
   * @defaultValue `60`
   */
  keepAliveAfterDays?: number;
  /**
   * Warn (event + `consentExpiryNotifiedAt`) this many days before the 365-day consent expiry.
   * @defaultValue `14`
   */
  consentWarningDays?: number;
  /**
   * Most accounts one statement claims (further capped at the free slots of `concurrency` and up to `concurrency` ahead, so no claim lapses in a queue) or warns about.
   * @defaultValue `500`
   */
  batchSize?: number;
  /**
   * Token requests in flight at once per process (as many refreshed pairs may wait to be stored besides).
   * @defaultValue `10`
   */
  concurrency?: number;
}

/** Atlassian's personal data reporting (`PersonalDataReporter`). The host app imports `ScheduleModule.forRoot()`. */
export interface PersonalDataReportingOptions {
  /**
   * Report the stored Atlassian account ids on a cron, and act on the answers (erase closed accounts, fetch updated profiles).
   * @defaultValue `true` (it logs a warning and stays off without `@nestjs/schedule`)
   */
  enabled?: boolean;
  /**
   * Cron expression of the run (seconds field allowed). Each account is reported once per cycle period whatever the cron.
   * @defaultValue `'0 17 3 * * *'` (daily at 03:17, off the top of the hour)
   */
  cron?: string;
  /**
   * Cycle period in ms until Atlassian's `Cycle-Period` header names another: an account is not reported again sooner.
   * @defaultValue `604800000` (7 days)
   */
  cyclePeriodMs?: number;
  /**
   * Accounts per report request, 1 to 90 (Atlassian's limit).
   * @defaultValue `90`
   */
  batchSize?: number;
  /**
   * Grants whose token a report is tried with before the run gives up (a 401 moves on to the next).
   * @defaultValue `3`
   */
  maxGrantAttempts?: number;
  /**
   * How long a claimed batch stays with its instance (the report and its erasures and profile fetches), in ms.
   * @defaultValue `300000`
   */
  leaseMs?: number;
}

/** When `AtlassianHealthIndicator` (entry `nestjs-atlassian/health`) reports the module down. */
export interface HealthOptions {
  /**
   * Down when more active accounts than this are failing to refresh (in backoff after a transient failure).
   * @defaultValue `10`
   */
  maxFailingRefreshAccounts?: number;
  /**
   * Down when more accounts than this wait for their user to sign in again (`reauth_required`).
   * @defaultValue `100`
   */
  maxReauthRequiredAccounts?: number;
  /**
   * Down when more scheduler ticks than this were due, by its cron, since the last one completed.
   * @defaultValue `3`
   */
  maxMissedTicks?: number;
  /**
   * How long the database gets to answer the health query, in ms.
   * @defaultValue `3000`
   */
  databaseTimeoutMs?: number;
}

/** How `AtlassianApiClient` and `BitbucketApiClient` retry. */
export interface ApiClientOptions {
  /**
   * Retries of a 5xx or network error, for idempotent methods only.
   * @defaultValue `2`
   */
  maxRetries?: number;
  /**
   * Waits on 429 (or 503 with Retry-After) before giving up with `AtlassianRateLimitError`.
   * @defaultValue `3`
   */
  rateLimitRetries?: number;
  /**
   * Longest single wait, in ms; a longer Retry-After fails at once with the retry time.
   * @defaultValue `30000`
   */
  maxRetryWaitMs?: number;
  /**
   * First backoff of a retried 5xx or network error, in ms; doubles each time.
   * @defaultValue `300`
   */
  backoffBaseMs?: number;
  /**
   * What a call does when a rate-limit pause is in force (Jira or Confluence asked the app, a site, an
   * endpoint or an issue to wait): `'wait'` until it ends when that is within `maxRetryWaitMs`, or
   * `'fail'` at once with `AtlassianRateLimitError` and its `retryAt`. A call can choose otherwise
   * with its own `onRateLimit`.
   * @defaultValue `'wait'`
   */
  onRateLimit?: RateLimitBehaviour;
  /**
   * How often, at most, an instance reads the app-wide and site-wide pauses other instances recorded
   * in the database, in ms: after a quota 429 on one instance, the others stop calling within this.
   * @defaultValue `1000`
   */
  pauseSyncMs?: number;
  /**
   * After a site answers 404 naming the site (or 401 to a fresh token), the account's sites are read
   * again from accessible-resources at most once in this many ms; the product's own 404s ("issue does
   * not exist") never trigger it.
   * @defaultValue `300000`
   */
  siteRecheckMs?: number;
}

/** Jira dynamic webhooks and Bitbucket hooks (`AtlassianWebhookService`): where deliveries go, how they are kept alive. */
export interface WebhookOptions {
  /**
   * Public URL Jira delivers to: the app's Jira webhook route, as Jira reaches it (one per app).
   * Registering a Jira webhook needs it; renewal runs only when it is set.
   * @defaultValue none
   */
  jiraUrl?: string;
  /**
   * Public URL Bitbucket delivers to: the app's Bitbucket webhook route. Registering a Bitbucket hook needs it.
   * @defaultValue none
   */
  bitbucketUrl?: string;
  /**
   * Renew a Jira registration when it expires within this many ms (Jira's last 30 days); under 30 days.
   * @defaultValue `604800000` (7 days)
   */
  renewBeforeMs?: number;
  /**
   * Cron expression of the renewal tick (seconds field allowed), or `false` for no cron (run
   * `WebhookRenewalScheduler.runOnce()` yourself).
   * @defaultValue `'0 7 0,6,12,18 * * *'` (every 6 hours)
   */
  renewalCron?: string | false;
}

/** A service account's OAuth 2.0 credential (client credentials), as its org admin created it. */
export interface ServiceAccountCredentials {
  /** The credential's client id. Required. */
  clientId: string;
  /** Its client secret. Required. */
  clientSecret: string;
}

/** What a call does under a rate-limit pause: wait for its end, or fail at once. */
export type RateLimitBehaviour = 'wait' | 'fail';

/** Receiving Jira and Bitbucket webhook deliveries on the app's `@JiraWebhookEndpoint()` / `@BitbucketWebhookEndpoint()` routes. */
export interface WebhookOptions {
  /**
   * Client secrets a Jira delivery's JWT may be signed with besides `atlassian.clientSecret`: during a
   * rotation, put the new secret in `atlassian.clientSecret` and the old one here until Jira signs with the new one.
   * @defaultValue none
   */
  previousClientSecrets?: string[];
  /**
   * Leeway on the Jira JWT's `exp` (and `nbf`), in ms, for a clock that disagrees with Jira's.
   * @defaultValue `30000`
   */
  clockToleranceMs?: number;
  /**
   * Largest delivery body accepted, in bytes; a larger one gets 413 `webhook_payload_too_large`. The
   * app's JSON body parser must let at least this much through (Express's default is 100 KB).
   * @defaultValue `262144` (256 KB, Bitbucket's largest payload)
   */
  maxBodyBytes?: number;
  /**
   * How long a delivery id is remembered, in ms, so that a retry of a handled delivery is acknowledged
   * without being handled again; at least a minute, and longer than the providers retry.
   * @defaultValue `604800000` (7 days)
   */
  deliveryRetentionMs?: number;
}

/** Options of `AtlassianModule.forRoot()` / `forRootAsync()`. */
export interface AtlassianModuleOptions {
  /** Atlassian OAuth client. Required. */
  atlassian: AtlassianProviderOptions;
  /** Bitbucket Cloud OAuth consumer; Bitbucket sign-in, tokens and API are off without it. */
  bitbucket?: BitbucketProviderOptions;
  /**
   * AES-256-GCM keys that encrypt tokens at rest and sign-in cookies: the first encrypts, all decrypt,
   * so add a new key in front to rotate. A string is a 32-byte key (base64 or hex) whose id is derived
   * from it. Required, at least one.
   */
  encryptionKeys: Array<string | EncryptionKeyInput>;
  /**
   * Finds or creates the app user for a provider account that signs in for the first time (sign-in mode).
   * @defaultValue a new random UUID, i.e. every new provider account becomes a new app user
   */
  resolveUser?: ResolveUser;
  /**
   * Refuse the sign-in (403 `atlassian_account_inactive`, nothing stored) of an Atlassian or Bitbucket
   * account whose `account_status` is not `active`.
   * @defaultValue `false`
   */
  requireActiveAccount?: boolean;
  /**
   * Reads the app user already signed in; when it returns an id at the login route, the flow links the
   * provider account to that user (link mode).
   * @defaultValue `req.user.userId`, else `req.user.id`, when a string
   */
  getCurrentUserId?: GetCurrentUserId;
  /** State cookie settings. */
  stateCookie?: StateCookieOptions;
  /**
   * Timeout in milliseconds of each call this module makes to a provider.
   * @defaultValue `10000`
   */
  httpTimeoutMs?: number;
  /** Token hand-out and on-demand refresh. */
  tokens?: TokenOptions;
  /** Scheduled, proactive refresh. */
  refreshScheduler?: RefreshSchedulerOptions;
  /** Retries of the API clients. */
  api?: ApiClientOptions;
  /** Atlassian's personal data reporting, erasure and profile refresh. */
  personalDataReporting?: PersonalDataReportingOptions;
  /**
   * Atlassian service accounts the app calls Jira and Confluence as, by a short name of your choice
   * (letters, digits, `_`, `-`): `AtlassianApiClient.forServiceAccount(name)`. Their tokens come from the
   * client credentials grant at `atlassian.tokenURL`.
   * @defaultValue none
   */
  serviceAccounts?: Record<string, ServiceAccountCredentials>;
  /** Thresholds of the health indicator. */
  health?: HealthOptions;
  /** Jira and Bitbucket webhooks: delivery URLs, renewal, and receiving deliveries. */
  webhooks?: WebhookOptions;
}

/** A class for `AtlassianModule.forRootAsync({ useClass })` or `{ useExisting }`: it builds the options. */
export interface AtlassianOptionsFactory {
  createAtlassianOptions(): AtlassianModuleOptions | Promise<AtlassianModuleOptions>;
}
