import { createHash, randomUUID } from 'node:crypto';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { atlassianProvider } from '../providers/atlassian.provider.js';
import { bitbucketProvider } from '../providers/bitbucket.provider.js';
import type {
  ApiClientOptions,
  AtlassianModuleOptions,
  AtlassianProviderOptions,
  EncryptionKeyInput,
  GetCurrentUserId,
  RefreshSchedulerOptions,
  TokenOptions,
} from './atlassian-module-options.interface.js';
import type { EncryptionKey, NormalizedAtlassianOptions, NormalizedProviderOptions } from './normalized-options.interface.js';

const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Validates the module options once, at boot, and applies every default. */
export function normalizeOptions(options: AtlassianModuleOptions): NormalizedAtlassianOptions {
  if (!options || typeof options !== 'object') {
    throw new AtlassianOptionsError('(root)', 'is missing: pass { atlassian, encryptionKeys } to AtlassianModule.forRoot().');
  }
  const atlassian = normalizeProvider('atlassian', options.atlassian, atlassianProvider);
  const bitbucket = options.bitbucket === undefined ? null : normalizeProvider('bitbucket', { ...options.bitbucket, pkce: false }, bitbucketProvider);
  const httpTimeoutMs = options.httpTimeoutMs ?? 10_000;
  assertPositiveInteger('httpTimeoutMs', httpTimeoutMs);
  const maxAgeSeconds = options.stateCookie?.maxAgeSeconds ?? 600;
  assertPositiveInteger('stateCookie.maxAgeSeconds', maxAgeSeconds);
  const refreshLeaseMs = options.tokens?.refreshLeaseMs ?? 3 * httpTimeoutMs + 5_000;
  const tokens: Required<TokenOptions> = {
    refreshSkewSeconds: 300,
    cacheTtlMs: 30_000,
    refreshLeaseMs,
    refreshWaitMs: 2 * refreshLeaseMs,
    refreshPollIntervalMs: 100,
    backoffBaseMs: 5_000,
    backoffMaxMs: 15 * 60_000,
    storeAttempts: 5,
    ...definedOnly(options.tokens),
  };
  assertNumbers('tokens', tokens, { refreshSkewSeconds: 0, cacheTtlMs: 0, refreshLeaseMs: 1, refreshWaitMs: 1, refreshPollIntervalMs: 1, backoffBaseMs: 1, backoffMaxMs: 1, storeAttempts: 1 });
  if (tokens.refreshLeaseMs <= httpTimeoutMs) {
    throw new AtlassianOptionsError('tokens.refreshLeaseMs', `(${tokens.refreshLeaseMs}) must be longer than httpTimeoutMs (${httpTimeoutMs}), or a slow refresh could outlive its claim.`);
  }
  const refreshScheduler: Required<RefreshSchedulerOptions> = {
    enabled: true,
    cron: '0 * * * * *',
    windowSeconds: 600,
    keepAliveAfterDays: 60,
    consentWarningDays: 14,
    batchSize: 500,
    concurrency: 10,
    ...definedOnly(options.refreshScheduler),
  };
  assertNumbers('refreshScheduler', refreshScheduler, { windowSeconds: 0, keepAliveAfterDays: 1, consentWarningDays: 0, batchSize: 1, concurrency: 1 });
  if (refreshScheduler.keepAliveAfterDays >= 90) {
    throw new AtlassianOptionsError('refreshScheduler.keepAliveAfterDays', `(${refreshScheduler.keepAliveAfterDays}) must be under 90: refresh tokens die after 90 days unused.`);
  }
  const api: Required<ApiClientOptions> = { maxRetries: 2, rateLimitRetries: 3, maxRetryWaitMs: 30_000, backoffBaseMs: 300, ...definedOnly(options.api) };
  assertNumbers('api', api, { maxRetries: 0, rateLimitRetries: 0, maxRetryWaitMs: 0, backoffBaseMs: 1 });
  return {
    atlassian,
    bitbucket,
    tokens,
    api,
    sleep: options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms))),
    refreshScheduler,
    now: options.now ?? (() => new Date()),
    encryptionKeys: normalizeKeys(options.encryptionKeys),
    resolveUser: options.resolveUser ?? (() => randomUUID()),
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

/** The endpoint facts normalisation needs from a provider definition. */
interface ProviderDefaults {
  defaultAuthBaseURL: string;
  defaultApiBaseURL: string;
  authorizePath: string;
  tokenPath: string;
  requiredScopes?: readonly string[];
}

function normalizeProvider(name: string, input: AtlassianProviderOptions | undefined, defaults: ProviderDefaults): NormalizedProviderOptions {
  if (!input || typeof input !== 'object') {
    throw new AtlassianOptionsError(name, 'is missing: give { clientId, clientSecret, callbackURL } from your OAuth app.');
  }
  assertNonEmptyString(`${name}.clientId`, input.clientId, 'Copy the client id from your app in the developer console.');
  assertNonEmptyString(`${name}.clientSecret`, input.clientSecret, 'Copy the secret from your app in the developer console.');
  assertAbsoluteURL(`${name}.callbackURL`, input.callbackURL);
  const authBaseURL = trimSlash(input.authBaseURL ?? defaults.defaultAuthBaseURL);
  const apiBaseURL = trimSlash(input.apiBaseURL ?? defaults.defaultApiBaseURL);
  const authorizationURL = input.authorizationURL ?? authBaseURL + defaults.authorizePath;
  const tokenURL = input.tokenURL ?? authBaseURL + defaults.tokenPath;
  for (const [option, value] of Object.entries({ authBaseURL, apiBaseURL, authorizationURL, tokenURL })) {
    assertAbsoluteURL(`${name}.${option}`, value);
  }
  if (input.scope !== undefined && (!Array.isArray(input.scope) || input.scope.some((s) => typeof s !== 'string' || /\s/.test(s) || s === ''))) {
    throw new AtlassianOptionsError(`${name}.scope`, "must be an array of scope names without spaces, e.g. ['read:jira-work'].");
  }
  return {
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    callbackURL: input.callbackURL,
    scope: [...new Set([...(defaults.requiredScopes ?? []), ...(input.scope ?? [])])],
    pkce: input.pkce ?? true,
    authorizationURL,
    tokenURL,
    apiBaseURL,
    loginPath: input.loginPath ?? (new URL(input.callbackURL).pathname.replace(/\/[^/]*\/?$/, '') || '/'),
  };
}

function normalizeKeys(keys: Array<string | EncryptionKeyInput> | undefined): EncryptionKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new AtlassianOptionsError(
      'encryptionKeys',
      "is missing: give at least one 32-byte key, e.g. the output of `node -e \"console.log(require('crypto').randomBytes(32).toString('base64'))\"`.",
    );
  }
  const decoded = keys.map((input, index) => decodeKey(input, index));
  const ids = new Set(decoded.map((k) => k.id));
  if (ids.size !== decoded.length) throw new AtlassianOptionsError('encryptionKeys', 'has two keys with the same id: give each key its own id.');
  return decoded;
}

function decodeKey(input: string | EncryptionKeyInput, index: number): EncryptionKey {
  const option = `encryptionKeys[${index}]`;
  const raw = typeof input === 'string' ? input : input?.key;
  if (typeof raw !== 'string' || raw === '') throw new AtlassianOptionsError(option, 'is empty: give a 32-byte key as base64 or hex.');
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new AtlassianOptionsError(
      option,
      `decodes to ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (44 base64 characters or 64 hex digits). Generate one with \`openssl rand -base64 32\`.`,
    );
  }
  // A derived id lets a plain string key rotate without naming it; it reveals nothing of the key.
  const id = typeof input === 'string' ? createHash('sha256').update(key).digest('base64url').slice(0, 8) : input.id;
  if (!KEY_ID_PATTERN.test(id)) throw new AtlassianOptionsError(`${option}.id`, 'must be 1-32 letters, digits, "_" or "-".');
  return { id, key };
}

function definedOnly<T extends object>(input: T | undefined): Partial<T> {
  return Object.fromEntries(Object.entries(input ?? {}).filter(([, value]) => value !== undefined)) as Partial<T>;
}

function assertNumbers(section: string, values: object, minimums: Record<string, number>): void {
  for (const [key, minimum] of Object.entries(minimums)) {
    const value = (values as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      throw new AtlassianOptionsError(`${section}.${key}`, `must be a number of at least ${minimum}; got ${JSON.stringify(value)}.`);
    }
  }
}

function assertNonEmptyString(option: string, value: unknown, fix: string): void {
  if (typeof value !== 'string' || value.trim() === '') throw new AtlassianOptionsError(option, `is missing or empty. ${fix}`);
}

function assertAbsoluteURL(option: string, value: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new AtlassianOptionsError(option, `must be an absolute http(s) URL such as https://app.example.com/auth/atlassian/callback; got ${JSON.stringify(value)}.`);
  }
}

function assertPositiveInteger(option: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new AtlassianOptionsError(option, `must be a positive whole number; got ${JSON.stringify(value)}.`);
}

function trimSlash(url: string): string {
  return typeof url === 'string' ? url.replace(/\/+$/, '') : url;
}
