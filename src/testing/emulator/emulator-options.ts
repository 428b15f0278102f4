import { PRODUCT_ENDPOINT_NAMES } from './atlassian/atlassian-product.routes.js';
import {
  resolveRateLimits,
  type RateLimitSettings,
} from './atlassian/rate-limits/rate-limit-settings.js';
import { EMULATOR_BITBUCKET_DEFAULT_DURATIONS } from './bitbucket-defaults.js';
import type { BitbucketScopeField } from './bitbucket.types.js';
import type { BitbucketSettings } from './bitbucket/bitbucket-state.js';
import { EMULATOR_DEFAULT_DURATIONS, EMULATOR_WEBHOOK_DEFAULTS } from './emulator-defaults.js';
import type { AtlassianEmulatorOptions } from './emulator.types.js';
import type { EmulatorTokenDurations } from './oauth/emulator-token-store.js';

/** Options with defaults applied and checked once, at start. */
export interface ResolvedEmulatorOptions {
  port: number;
  now: Date;
  realTimeClock: boolean;
  autoApprove: boolean;
  durations: EmulatorTokenDurations;
  bitbucket: BitbucketSettings;
  /** Undefined: no rate limits. */
  rateLimits: RateLimitSettings | undefined;
  webhooks: { retryDelaysMs: number[]; timeoutMs: number };
}

type DurationKey =
  keyof typeof EMULATOR_DEFAULT_DURATIONS | keyof typeof EMULATOR_BITBUCKET_DEFAULT_DURATIONS;

const SCOPE_FIELDS: readonly BitbucketScopeField[] = ['scope', 'scopes', 'both'];

/** Apply defaults and fail fast, naming the option, on values that would make the emulator misbehave. */
export function resolveEmulatorOptions(options: AtlassianEmulatorOptions): ResolvedEmulatorOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(
      `AtlassianEmulator: port must be an integer from 0 to 65535 (0 = any free port), got ${port}`,
    );
  }
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime()))
    throw new RangeError('AtlassianEmulator: now must be a valid Date');
  const seconds: Record<DurationKey, number> = {
    ...EMULATOR_DEFAULT_DURATIONS,
    ...EMULATOR_BITBUCKET_DEFAULT_DURATIONS,
  };
  for (const key of Object.keys(seconds) as DurationKey[]) {
    const value = options[key] ?? seconds[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(
        `AtlassianEmulator: ${key} must be a finite number of seconds >= 0, got ${value}`,
      );
    }
    seconds[key] = value;
  }
  if (options.clients?.length === 0)
    throw new RangeError(
      'AtlassianEmulator: clients must not be empty; omit it for the default client',
    );
  if (options.bitbucketConsumers?.length === 0) {
    throw new RangeError(
      'AtlassianEmulator: bitbucketConsumers must not be empty; omit it for the default consumer',
    );
  }
  const scopeField = options.bitbucketScopeField ?? 'scope';
  if (!SCOPE_FIELDS.includes(scopeField)) {
    throw new RangeError(
      `AtlassianEmulator: bitbucketScopeField must be 'scope', 'scopes' or 'both', got ${String(scopeField)}`,
    );
  }
  const webhooks = resolveWebhookSettings(options);
  const {
    accessTokenTtlSeconds,
    refreshLeewaySeconds,
    inactivityExpirySeconds,
    absoluteExpirySeconds,
  } = seconds;
  return {
    port,
    now,
    realTimeClock: options.realTimeClock ?? false,
    autoApprove: options.autoApprove ?? false,
    durations: {
      accessTokenTtlSeconds,
      refreshLeewaySeconds,
      inactivityExpirySeconds,
      absoluteExpirySeconds,
    },
    webhooks,
    rateLimits:
      options.rateLimits === undefined
        ? undefined
        : resolveRateLimits(options.rateLimits, PRODUCT_ENDPOINT_NAMES),
    bitbucket: {
      scopeField,
      durations: {
        accessTokenTtlSeconds: seconds.bitbucketAccessTokenTtlSeconds,
        refreshLeewaySeconds,
        inactivityExpirySeconds: seconds.bitbucketInactivityExpirySeconds,
        // Bitbucket documents no absolute lifetime for a grant.
        absoluteExpirySeconds: Number.POSITIVE_INFINITY,
      },
    },
  };
}

function resolveWebhookSettings(
  options: AtlassianEmulatorOptions,
): ResolvedEmulatorOptions['webhooks'] {
  const retryDelaysMs = options.webhookRetryDelaysMs ?? [
    ...EMULATOR_WEBHOOK_DEFAULTS.webhookRetryDelaysMs,
  ];
  if (
    !Array.isArray(retryDelaysMs) ||
    !retryDelaysMs.every((ms) => Number.isFinite(ms) && ms >= 0)
  ) {
    throw new RangeError(
      `AtlassianEmulator: webhookRetryDelaysMs must be a list of milliseconds >= 0 ([] for no retries), got ${String(retryDelaysMs)}`,
    );
  }
  const timeoutMs = options.webhookTimeoutMs ?? EMULATOR_WEBHOOK_DEFAULTS.webhookTimeoutMs;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new RangeError(
      `AtlassianEmulator: webhookTimeoutMs must be a number of milliseconds > 0, got ${timeoutMs}`,
    );
  }
  return { retryDelaysMs: [...retryDelaysMs], timeoutMs };
}
