import type {
  ApiClientOptions,
  GetCurrentUserId,
  HealthOptions,
  PersonalDataReportingOptions,
  RefreshSchedulerOptions,
  ResolveUser,
  ServiceAccountCredentials,
  TokenOptions,
} from './atlassian-module-options.interface.js';

/** The webhook options with their defaults; a URL not configured is null. */
export interface NormalizedWebhookOptions {
  jiraUrl: string | null;
  bitbucketUrl: string | null;
  renewBeforeMs: number;
  renewalCron: string | false;
  previousClientSecrets: readonly string[];
  clockToleranceMs: number;
  maxBodyBytes: number;
  deliveryRetentionMs: number;
}

/** A decoded encryption key. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** One OAuth provider's settings with every default applied. */
export interface NormalizedProviderOptions {
  clientId: string;
  clientSecret: string;
  callbackURL: string;
  /** Scopes requested, required ones included, without duplicates. */
  scope: string[];
  pkce: boolean;
  /** Scopes `?scope=` may add; `null`: the ones `@RequireAtlassianScopes()` names. */
  incrementalScopes: readonly string[] | null;
  authorizationURL: string;
  tokenURL: string;
  apiBaseURL: string;
  loginPath: string;
}

/**
 * The module options after validation, with every default applied: the one place defaults live.
 * Not public: it holds the decoded keys; the public view is {@link ResolvedAtlassianOptions}.
 */
export interface NormalizedAtlassianOptions {
  atlassian: NormalizedProviderOptions;
  /** `null` when the module was not configured for Bitbucket. */
  bitbucket: NormalizedProviderOptions | null;
  encryptionKeys: EncryptionKey[];
  resolveUser: ResolveUser;
  requireActiveAccount: boolean;
  getCurrentUserId: GetCurrentUserId;
  stateCookie: { name: string; maxAgeSeconds: number; secure: boolean };
  httpTimeoutMs: number;
  tokens: Required<TokenOptions>;
  refreshScheduler: Required<RefreshSchedulerOptions>;
  api: Required<ApiClientOptions>;
  personalDataReporting: Required<PersonalDataReportingOptions>;
  health: Required<HealthOptions>;
  webhooks: Readonly<NormalizedWebhookOptions>;
  /** By name; empty without service accounts. */
  serviceAccounts: Readonly<Record<string, ServiceAccountCredentials>>;
}

/**
 * What `@InjectAtlassianOptions()` injects: the validated options with every default applied, as
 * the module uses them. The decoded encryption keys are left out of this type on purpose.
 */
export type ResolvedAtlassianOptions = Readonly<Omit<NormalizedAtlassianOptions, 'encryptionKeys'>>;
