import { randomUUID } from 'node:crypto';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { atlassianProvider } from '../providers/atlassian.provider.js';
import { bitbucketProvider } from '../providers/bitbucket.provider.js';
import type {
  ApiClientOptions,
  AtlassianModuleOptions,
  GetCurrentUserId,
  HealthOptions,
  RefreshSchedulerOptions,
  TokenOptions,
} from './atlassian-module-options.interface.js';
import { normalizeKeys } from '../crypto/encryption-keys.js';
import { normalizePersonalDataReporting } from './normalize-personal-data-reporting.js';
import { normalizeProvider } from './normalize-provider.js';
import { normalizeServiceAccounts } from './normalize-service-accounts.js';
import { normalizeWebhooks } from './normalize-webhooks.js';
import type { NormalizedAtlassianOptions } from './normalized-options.interface.js';
import { assertNumbers, assertPositiveInteger } from './option-assertions.js';

/** Validates the module options once, at boot, and applies every default. */
export function normalizeOptions(options: AtlassianModuleOptions): NormalizedAtlassianOptions {
  if (!options || typeof options !== 'object') {
    throw new AtlassianOptionsError(
      '(root)',
      'is missing: pass { atlassian, encryptionKeys } to AtlassianModule.forRoot().',
    );
  }
  const atlassian = normalizeProvider('atlassian', options.atlassian, atlassianProvider);
  const bitbucket =
    options.bitbucket === undefined
      ? null
      : normalizeProvider(
          'bitbucket',
          // Bitbucket's scopes are set on the consumer: a login route cannot add any.
          { ...options.bitbucket, pkce: false, incrementalScopes: [] },
          bitbucketProvider,
        );
  const requireActiveAccount = options.requireActiveAccount ?? false;
  if (typeof requireActiveAccount !== 'boolean') {
    throw new AtlassianOptionsError(
      'requireActiveAccount',
      `must be true or false, got ${JSON.stringify(requireActiveAccount)}.`,
    );
  }
  const httpTimeoutMs = options.httpTimeoutMs ?? 10_000;
  assertPositiveInteger('httpTimeoutMs', httpTimeoutMs);
  const maxAgeSeconds = options.stateCookie?.maxAgeSeconds ?? 600;
  assertPositiveInteger('stateCookie.maxAgeSeconds', maxAgeSeconds);
  const storeBudgetMs = options.tokens?.storeBudgetMs ?? 240_000;
  const tokens: Required<TokenOptions> = {
    refreshSkewSeconds: 300,
    cacheTtlMs: 30_000,
    storeBudgetMs,
    refreshLeaseMs: httpTimeoutMs + storeBudgetMs + 5_000,
    refreshWaitMs: 2 * httpTimeoutMs + 5_000,
    refreshPollIntervalMs: 100,
    backoffBaseMs: 5_000,
    backoffMaxMs: 15 * 60_000,
    ...definedOnly(options.tokens),
  };
  assertNumbers('tokens', tokens, {
    refreshSkewSeconds: 0,
    cacheTtlMs: 0,
    storeBudgetMs: 0,
    refreshLeaseMs: 1,
    refreshWaitMs: 1,
    refreshPollIntervalMs: 1,
    backoffBaseMs: 1,
    backoffMaxMs: 1,
  });
  if (tokens.refreshLeaseMs <= httpTimeoutMs + tokens.storeBudgetMs) {
    throw new AtlassianOptionsError(
      'tokens.refreshLeaseMs',
      `(${tokens.refreshLeaseMs}) must be longer than httpTimeoutMs + tokens.storeBudgetMs (${httpTimeoutMs + tokens.storeBudgetMs}), or another instance could refresh while a rotated pair still waits to be stored.`,
    );
  }
  const leewayMs =
    Math.min(
      atlassianProvider.lifecycle.refreshTokenReuseLeewaySeconds,
      bitbucketProvider.lifecycle.refreshTokenReuseLeewaySeconds,
    ) * 1000;
  if (tokens.refreshLeaseMs >= leewayMs) {
    throw new AtlassianOptionsError(
      'tokens.refreshLeaseMs',
      `(${tokens.refreshLeaseMs}) must be under the providers' ${leewayMs / 1000}-second refresh token reuse leeway: after a holder crashes, its successor must refresh inside it. Lower tokens.storeBudgetMs.`,
    );
  }
  const refreshScheduler: Required<RefreshSchedulerOptions> = {
    enabled: true,
    cron: '0 * * * * *',
    windowSeconds: 600,
    proactiveForUsedWithinMs: 6 * 3600_000,
    usageFlushIntervalMs: 60_000,
    keepAliveAfterDays: 60,
    consentWarningDays: 14,
    batchSize: 500,
    concurrency: 10,
    ...definedOnly(options.refreshScheduler),
  };
  // `null` is the documented spelling of "every account", as `0` is.
  refreshScheduler.proactiveForUsedWithinMs ??= 0;
  assertNumbers('refreshScheduler', refreshScheduler, {
    windowSeconds: 0,
    proactiveForUsedWithinMs: 0,
    usageFlushIntervalMs: 1,
    keepAliveAfterDays: 1,
    consentWarningDays: 0,
    batchSize: 1,
    concurrency: 1,
  });
  const inactivityDays = Math.min(
    atlassianProvider.lifecycle.refreshTokenInactivityDays,
    bitbucketProvider.lifecycle.refreshTokenInactivityDays,
  );
  if (refreshScheduler.keepAliveAfterDays >= inactivityDays) {
    throw new AtlassianOptionsError(
      'refreshScheduler.keepAliveAfterDays',
      `(${refreshScheduler.keepAliveAfterDays}) must be under ${inactivityDays}: refresh tokens die after ${inactivityDays} days unused.`,
    );
  }
  const api: Required<ApiClientOptions> = {
    maxRetries: 2,
    rateLimitRetries: 3,
    maxRetryWaitMs: 30_000,
    backoffBaseMs: 300,
    onRateLimit: 'wait',
    pauseSyncMs: 1_000,
    siteRecheckMs: 300_000,
    ...definedOnly(options.api),
  };
  assertNumbers('api', api, {
    maxRetries: 0,
    rateLimitRetries: 0,
    maxRetryWaitMs: 0,
    backoffBaseMs: 1,
    pauseSyncMs: 0,
    siteRecheckMs: 0,
  });
  if (api.onRateLimit !== 'wait' && api.onRateLimit !== 'fail') {
    throw new AtlassianOptionsError(
      'api.onRateLimit',
      `must be 'wait' or 'fail', got ${JSON.stringify(api.onRateLimit)}.`,
    );
  }
  const health: Required<HealthOptions> = {
    maxFailingRefreshAccounts: 10,
    maxReauthRequiredAccounts: 100,
    maxMissedTicks: 3,
    databaseTimeoutMs: 3_000,
    ...definedOnly(options.health),
  };
  assertNumbers('health', health, {
    maxFailingRefreshAccounts: 0,
    maxReauthRequiredAccounts: 0,
    maxMissedTicks: 0,
    databaseTimeoutMs: 1,
  });
  return {
    atlassian,
    bitbucket,
    tokens,
    api,
    health,
    refreshScheduler,
    webhooks: normalizeWebhooks(options.webhooks),
    personalDataReporting: normalizePersonalDataReporting(
      options.personalDataReporting,
      httpTimeoutMs,
    ),
    serviceAccounts: normalizeServiceAccounts(options.serviceAccounts),
    encryptionKeys: normalizeKeys(options.encryptionKeys),
    resolveUser: options.resolveUser ?? (() => randomUUID()),
    requireActiveAccount,
    getCurrentUserId: options.getCurrentUserId ?? defaultGetCurrentUserId,
    stateCookie: {
      name: options.stateCookie?.name ?? 'nestjs_atlassian_oauth',
      maxAgeSeconds,
      secure: options.stateCookie?.secure ?? atlassian.callbackURL.startsWith('https:'),
    },
    httpTimeoutMs,
  };
}

const defaultGetCurrentUserId: GetCurrentUserId = (request) => {
  const user = (request as { user?: { userId?: unknown; id?: unknown } }).user;
  const id = user?.userId ?? user?.id;
  return typeof id === 'string' && id !== '' ? id : undefined;
};

function definedOnly<T extends object>(input: T | undefined): Partial<T> {
  return Object.fromEntries(
    Object.entries(input ?? {}).filter(([, value]) => value !== undefined),
  ) as Partial<T>;
}
