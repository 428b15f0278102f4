/** Where the demo keeps its data: a SQLite file, or PostgreSQL when `DATABASE_URL` is set. */
export type DemoDatabase =
  { type: 'better-sqlite3'; database: string } | { type: 'postgres'; url: string };

/** The demo's settings as read from the environment, before anything is started. */
export interface DemoConfig {
  /** HTTP port (`PORT`); 0 picks a free one. Default 3000. */
  port: number;
  /** `ATLASSIAN_CALLBACK_URL`; when undefined, `http://localhost:<port>/auth/atlassian/callback`. */
  callbackURL?: string;
  /** A real Atlassian OAuth app; undefined starts the built-in emulator instead. */
  atlassianClient?: { clientId: string; clientSecret: string };
  /** `ATLASSIAN_AUTH_BASE_URL`, used with a real app only. */
  authBaseURL: string;
  /** `ATLASSIAN_API_BASE_URL`, used with a real app only. */
  apiBaseURL: string;
  /** Scopes requested on top of `read:me` and `offline_access` (`ATLASSIAN_SCOPES`). */
  scopes: string[];
  /** A real Bitbucket OAuth consumer (`BITBUCKET_CLIENT_ID` / `BITBUCKET_CLIENT_SECRET`); undefined: the emulator's, when it runs. */
  bitbucketClient?: { clientId: string; clientSecret: string };
  /** `BITBUCKET_CALLBACK_URL`; when undefined, `/auth/bitbucket/callback` on the Atlassian callback URL's origin. */
  bitbucketCallbackURL?: string;
  /** `BITBUCKET_AUTH_BASE_URL`, used with a real consumer only. */
  bitbucketAuthBaseURL: string;
  /** `BITBUCKET_API_BASE_URL`, used with a real consumer only. */
  bitbucketApiBaseURL: string;
  database: DemoDatabase;
  /** 32-byte base64 key that encrypts tokens at rest (`TOKEN_ENCRYPTION_KEY`). */
  tokenEncryptionKey: string;
  /** Signs the demo's own sign-in cookie (`SESSION_SECRET`). */
  sessionSecret: string;
  /** Port of the built-in emulator (`EMULATOR_PORT`); 0 picks a free one. */
  emulatorPort: number;
  /**
   * How often personal data reporting runs (`PERSONAL_DATA_REPORTING_CRON`, a seconds field allowed);
   * undefined: the library's default, daily.
   */
  personalDataReportingCron?: string;
  /** Things the person starting the demo must be told, e.g. that a built-in demo secret is in use. */
  warnings: string[];
}

/** What the running app is configured with (served by `ConfigService`): every value resolved. */
export interface DemoSettings {
  /** The URL to open in a browser: the callback URL's origin, so the sign-in cookies match. */
  publicURL: string;
  atlassian: {
    clientId: string;
    clientSecret: string;
    callbackURL: string;
    authBaseURL: string;
    apiBaseURL: string;
    scopes: string[];
    /** True when `authBaseURL` / `apiBaseURL` point at the built-in emulator. */
    emulator: boolean;
  };
  /** The Bitbucket OAuth consumer; undefined when Bitbucket is off (a real Atlassian app and no `BITBUCKET_CLIENT_ID`). */
  bitbucket?: {
    clientId: string;
    clientSecret: string;
    callbackURL: string;
    authBaseURL: string;
    apiBaseURL: string;
    /** True when the URLs point at the built-in emulator. */
    emulator: boolean;
  };
  database: DemoDatabase;
  tokenEncryptionKey: string;
  sessionSecret: string;
  /** `personalDataReporting.cron`, or undefined for the library's default. */
  personalDataReportingCron?: string;
}

/** The path the demo's callback route listens on; a custom `ATLASSIAN_CALLBACK_URL` must end with it. */
export const DEMO_CALLBACK_PATH = '/auth/atlassian/callback';

/** The path of the demo's Bitbucket callback route; a custom `BITBUCKET_CALLBACK_URL` must end with it. */
export const DEMO_BITBUCKET_CALLBACK_PATH = '/auth/bitbucket/callback';

const DEFAULT_SCOPES = ['read:jira-work', 'read:jira-user', 'read:confluence-space.summary'];
// Public on purpose: they make `npm start` work with no setup, and the warnings say so loudly.
const DEMO_TOKEN_ENCRYPTION_KEY = Buffer.from('nestjs-atlassian-demo-only-key!!').toString(
  'base64',
);
const DEMO_SESSION_SECRET = 'nestjs-atlassian-demo-only-session-secret';

/** Reads the demo's environment variables once and applies their defaults; throws on a value it cannot use. */
export function readDemoConfig(env: NodeJS.ProcessEnv = process.env): DemoConfig {
  const warnings: string[] = [];
  const value = (name: string): string | undefined =>
    env[name]?.trim() ? env[name]!.trim() : undefined;
  const clientId = value('ATLASSIAN_CLIENT_ID');
  const clientSecret = value('ATLASSIAN_CLIENT_SECRET');
  if (clientId && !clientSecret) {
    throw new Error(
      "ATLASSIAN_CLIENT_SECRET is missing: copy it from your app's Settings page at https://developer.atlassian.com/console/myapps, or unset ATLASSIAN_CLIENT_ID to use the built-in emulator.",
    );
  }
  const callbackURL = readCallbackURL(
    'ATLASSIAN_CALLBACK_URL',
    value('ATLASSIAN_CALLBACK_URL'),
    DEMO_CALLBACK_PATH,
  );
  const bitbucketClientId = value('BITBUCKET_CLIENT_ID');
  const bitbucketClientSecret = value('BITBUCKET_CLIENT_SECRET');
  if (bitbucketClientId && !bitbucketClientSecret) {
    throw new Error(
      "BITBUCKET_CLIENT_SECRET is missing: copy the consumer's Secret from Workspace settings → OAuth consumers on bitbucket.org, or unset BITBUCKET_CLIENT_ID.",
    );
  }
  const bitbucketCallbackURL = readCallbackURL(
    'BITBUCKET_CALLBACK_URL',
    value('BITBUCKET_CALLBACK_URL'),
    DEMO_BITBUCKET_CALLBACK_PATH,
  );
  const databaseURL = value('DATABASE_URL');
  return {
    port: readPort('PORT', value('PORT'), 3000),
    callbackURL,
    atlassianClient: clientId ? { clientId, clientSecret: clientSecret! } : undefined,
    authBaseURL: value('ATLASSIAN_AUTH_BASE_URL') ?? 'https://auth.atlassian.com',
    apiBaseURL: value('ATLASSIAN_API_BASE_URL') ?? 'https://api.atlassian.com',
    scopes:
      value('ATLASSIAN_SCOPES')
        ?.split(/[\s,]+/)
        .filter(Boolean) ??
      // With the emulator, webhooks work out of the box; a real app must enable the scope first.
      (clientId ? DEFAULT_SCOPES : [...DEFAULT_SCOPES, 'manage:jira-webhook']),
    bitbucketClient: bitbucketClientId
      ? { clientId: bitbucketClientId, clientSecret: bitbucketClientSecret! }
      : undefined,
    bitbucketCallbackURL,
    bitbucketAuthBaseURL: value('BITBUCKET_AUTH_BASE_URL') ?? 'https://bitbucket.org',
    bitbucketApiBaseURL: value('BITBUCKET_API_BASE_URL') ?? 'https://api.bitbucket.org',
    database: databaseURL
      ? { type: 'postgres', url: databaseURL }
      : {
          type: 'better-sqlite3',
          database: value('SQLITE_PATH') ?? 'nestjs-atlassian-demo.sqlite',
        },
    tokenEncryptionKey:
      value('TOKEN_ENCRYPTION_KEY') ??
      demoDefault(
        'TOKEN_ENCRYPTION_KEY',
        DEMO_TOKEN_ENCRYPTION_KEY,
        'openssl rand -base64 32',
        warnings,
      ),
    sessionSecret:
      value('SESSION_SECRET') ??
      demoDefault('SESSION_SECRET', DEMO_SESSION_SECRET, 'openssl rand -base64 32', warnings),
    emulatorPort: readPort('EMULATOR_PORT', value('EMULATOR_PORT'), 0),
    personalDataReportingCron: value('PERSONAL_DATA_REPORTING_CRON'),
    warnings,
  };
}

/** An absolute callback URL whose path is the demo's route, or undefined when not set. */
function readCallbackURL(name: string, raw: string | undefined, path: string): string | undefined {
  if (raw === undefined) return undefined;
  if (!URL.canParse(raw))
    throw new Error(
      `${name} must be an absolute URL such as http://localhost:3000${path}; got ${raw}.`,
    );
  if (new URL(raw).pathname !== path)
    throw new Error(`${name} must end with ${path} (the demo's callback route); got ${raw}.`);
  return raw;
}

function demoDefault(
  name: string,
  demoValue: string,
  generate: string,
  warnings: string[],
): string {
  warnings.push(
    `${name} is not set: using the built-in DEMO value, which is public. For the demo only, NEVER in production. Set your own (\`${generate}\`).`,
  );
  return demoValue;
}

function readPort(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`${name} must be a port number from 0 to 65535; got ${JSON.stringify(raw)}.`);
  return port;
}
