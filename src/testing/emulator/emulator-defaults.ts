import type { EmulatorClientInput, EmulatorUserInput } from './emulator.types.js';

/** Durations used when `AtlassianEmulator.start()` is given none, in seconds (Atlassian's own values). */
export const EMULATOR_DEFAULT_DURATIONS = {
  accessTokenTtlSeconds: 3600,
  refreshLeewaySeconds: 600,
  inactivityExpirySeconds: 90 * 24 * 3600,
  absoluteExpirySeconds: 365 * 24 * 3600,
} as const;

/**
 * Webhook delivery settings used when `AtlassianEmulator.start()` is given none: short waits between retries
 * (real milliseconds, so a test with a failing receiver settles quickly) and Bitbucket's 10-second timeout.
 */
export const EMULATOR_WEBHOOK_DEFAULTS = {
  webhookRetryDelaysMs: [10, 20, 40, 80, 160],
  webhookTimeoutMs: 10_000,
} as const;

/** How long an authorization code and a pending consent page stay usable, in seconds. */
export const AUTHORIZATION_TTL_SECONDS = 600;

/** Jira scopes a site can offer (classic and a few granular ones). */
export const JIRA_SCOPES = [
  'read:jira-user',
  'read:jira-work',
  'write:jira-work',
  'manage:jira-project',
  'manage:jira-configuration',
  'manage:jira-webhook',
  'read:project:jira',
  'read:issue:jira',
  'read:webhook:jira',
  'write:webhook:jira',
  'delete:webhook:jira',
] as const;

/** Confluence scopes a site can offer (classic and a few granular ones). */
export const CONFLUENCE_SCOPES = [
  'read:confluence-content.all',
  'read:confluence-content.summary',
  'write:confluence-content',
  'read:confluence-space.summary',
  'search:confluence',
  'read:confluence-user',
  'read:page:confluence',
  'read:space:confluence',
] as const;

/** The client registered when `clients` is not given. */
export const DEFAULT_EMULATOR_CLIENT: EmulatorClientInput = {
  clientId: 'emulator-client-id',
  clientSecret: 'emulator-client-secret',
  redirectUris: [
    'http://localhost:3000/auth/atlassian/callback',
    'http://127.0.0.1:3000/auth/atlassian/callback',
  ],
};

/** Account id of the default user, Ada Lovelace. */
export const DEFAULT_EMULATOR_ACCOUNT_ID = '5b10ac8d82e05b22cc7d4ef5';

/** Fixed cloudIds of the default user's sites, so tests can name them. */
export const DEFAULT_EMULATOR_CLOUD_IDS = {
  acme: '1f3a9c52-7d4e-4b8a-9e21-5c6d7e8f9a01',
  globex: '2a4b6c8d-0e1f-4a3b-8c5d-6e7f8091a2b3',
  initech: '3c5d7e9f-1a2b-4c3d-9e4f-5a6b7c8d9e0f',
} as const;

/** The user present when `users` is not given: two Jira + Confluence sites (with a few issues) and one Jira-only site. */
export const DEFAULT_EMULATOR_USER: EmulatorUserInput = {
  accountId: DEFAULT_EMULATOR_ACCOUNT_ID,
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  picture:
    'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-avatar.png',
  sites: [
    {
      id: DEFAULT_EMULATOR_CLOUD_IDS.acme,
      name: 'acme',
      url: 'https://acme.atlassian.net',
      scopes: [...JIRA_SCOPES, ...CONFLUENCE_SCOPES],
      projects: [
        { id: '10000', key: 'ACME', name: 'Acme Platform' },
        { id: '10001', key: 'OPS', name: 'Operations' },
        { id: '10002', key: 'WEB', name: 'Website' },
      ],
      spaces: [
        { id: '65537', key: 'ENG', name: 'Engineering' },
        { id: '65538', key: 'HR', name: 'People' },
      ],
      issues: [
        { key: 'ACME-1', summary: 'Set up continuous integration' },
        { key: 'ACME-2', summary: 'Write the release notes' },
        { key: 'ACME-3', summary: 'Rotate the signing keys' },
        { key: 'OPS-1', summary: 'Renew the TLS certificate' },
      ],
    },
    {
      id: DEFAULT_EMULATOR_CLOUD_IDS.globex,
      name: 'globex',
      url: 'https://globex.atlassian.net',
      scopes: [...JIRA_SCOPES, ...CONFLUENCE_SCOPES],
      projects: [
        { id: '10100', key: 'GLX', name: 'Globex Core' },
        { id: '10101', key: 'SUP', name: 'Support' },
      ],
      spaces: [{ id: '98305', key: 'DOCS', name: 'Documentation' }],
      issues: [{ key: 'GLX-1', summary: 'Migrate the billing service' }],
    },
    {
      id: DEFAULT_EMULATOR_CLOUD_IDS.initech,
      name: 'initech',
      url: 'https://initech.atlassian.net',
      scopes: [...JIRA_SCOPES],
      projects: [
        { id: '10200', key: 'TPS', name: 'TPS Reports' },
        { id: '10201', key: 'INI', name: 'Initech IT' },
      ],
    },
  ],
};
