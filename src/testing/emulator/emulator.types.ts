import type {
  EmulatorBitbucketIdentity,
  EmulatorBitbucketOptions,
  EmulatorBitbucketUserInput,
} from './bitbucket.types.js';
import type { EmulatorRateLimits } from './rate-limits.types.js';

/** An OAuth client (an "app" in the Atlassian developer console) the emulator accepts. */
export interface EmulatorClientInput {
  /** The app's client id, sent as `client_id`. */
  clientId: string;
  /** The app's client secret, sent in the token request body or by HTTP Basic. */
  clientSecret: string;
  /** Callback URLs `redirect_uri` must equal exactly (a trailing slash counts). */
  redirectUris: string[];
}

/** A Jira project on an emulated site. */
export interface EmulatorProject {
  /** Numeric id as a string, as Jira returns it. */
  id: string;
  /** Project key, e.g. `ACME`. */
  key: string;
  /** Display name. */
  name: string;
}

/** A Confluence space on an emulated site. */
export interface EmulatorSpace {
  /** Numeric id as a string, as Confluence v2 returns it. */
  id: string;
  /** Space key, e.g. `ENG`. */
  key: string;
  /** Display name. */
  name: string;
}

/** A Jira issue on an emulated site; its project is the key's prefix (`ACME-1` is in `ACME`). */
export interface EmulatorIssueInput {
  /** Issue key, e.g. `ACME-1`. */
  key: string;
  /** Numeric id as a string; default `10000` plus the issue's position in the site's list. */
  id?: string;
  /** The summary field. */
  summary: string;
  /** The description field (Atlassian Document Format in API v3); default `null`. */
  description?: unknown;
  /** Issue type name; default `Task`. Webhook JQL filters match it (`issuetype = Bug`). */
  issuetype?: string;
  /** Status name; default `To Do`. Webhook JQL filters match it (`status = Done`). */
  status?: string;
  /** Assignee's account id; default none. */
  assignee?: string | null;
  /** Reporter's account id; default none. */
  reporter?: string | null;
  /** Custom field values by field id (`customfield_10010`); webhook JQL matches them as `cf[10010]`. Default none. */
  customFields?: Record<string, string>;
}

/** An issue with its defaults filled in. */
export interface EmulatorIssue {
  /** Numeric id as a string. */
  id: string;
  /** Issue key, e.g. `ACME-1`. */
  key: string;
  /** The summary field. */
  summary: string;
  /** The description field, `null` when empty. */
  description: unknown;
  /** Issue type name. */
  issuetype: string;
  /** Status name. */
  status: string;
  /** Assignee's account id, `null` when unassigned. */
  assignee: string | null;
  /** Reporter's account id, `null` when none. */
  reporter: string | null;
  /** Custom field values by field id (`customfield_10010`). */
  customFields: Record<string, string>;
}

/** A cloud site (an accessible resource) a user can reach. */
export interface EmulatorSiteInput {
  /** The cloudId (a UUID). */
  id: string;
  /** Site name, e.g. `acme`. */
  name: string;
  /** Site URL, e.g. `https://acme.atlassian.net`. */
  url: string;
  /** Scopes the site supports; default every Jira and Confluence scope the emulator knows. */
  scopes?: string[];
  /** Avatar URL; default a generated one. */
  avatarUrl?: string;
  /** Jira projects; default none. */
  projects?: EmulatorProject[];
  /** Confluence spaces (used only when the site has a Confluence scope); default none. */
  spaces?: EmulatorSpace[];
  /** Jira issues; default none. Edits and comments made through the API are kept per cloudId. */
  issues?: EmulatorIssueInput[];
}

/** A user the emulator can sign in as. */
export interface EmulatorUserInput {
  /** Atlassian account id. */
  accountId: string;
  /** Email; default `<accountId>@example.com`. */
  email?: string;
  /** When set, `/me` includes `email_verified` with this value; default the field is absent. */
  emailVerified?: boolean;
  /** Display name. */
  name: string;
  /** Avatar URL; default a generated one. */
  picture?: string;
  /** Sites the user can reach; default none. */
  sites?: EmulatorSiteInput[];
  /** The same person on Bitbucket (same account id); every field has a default. */
  bitbucket?: EmulatorBitbucketUserInput;
}

/** A site with every default filled in. */
export interface EmulatorSite extends Omit<Required<EmulatorSiteInput>, 'issues'> {
  /** The site's issues as seeded, ids filled in. */
  issues: EmulatorIssue[];
}

/**
 * A service account's OAuth 2.0 credential (client credentials grant): the org admin fixes its scopes and the
 * sites it reaches; its tokens last `accessTokenTtlSeconds` and come without a refresh token.
 */
export interface EmulatorServiceAccountInput {
  /** The credential's client id, sent as `client_id`; rate limits count it as an app of its own. */
  clientId: string;
  /** The credential's client secret. */
  clientSecret: string;
  /** Scopes fixed on the credential; every token it gets carries exactly these. */
  scopes: string[];
  /** Sites it reaches: sites of their own, or cloudIds of sites a user already has (copied when registered). */
  sites: Array<string | EmulatorSiteInput>;
  /** The service account's Atlassian account id; default `712020:service-<clientId>`. */
  accountId?: string;
  /** Display name; default `Service account <clientId>`. */
  name?: string;
}

/** A user with every default filled in. */
export interface EmulatorUser extends Omit<
  Required<EmulatorUserInput>,
  'emailVerified' | 'sites' | 'bitbucket'
> {
  /** Absent unless the input set it. */
  emailVerified?: boolean;
  /** The user's sites, defaults filled in. */
  sites: EmulatorSite[];
  /** The user's Bitbucket identity, defaults filled in. */
  bitbucket: EmulatorBitbucketIdentity;
}

/** Options of `AtlassianEmulator.start()` (Bitbucket's are in `EmulatorBitbucketOptions`). */
export interface AtlassianEmulatorOptions extends EmulatorBitbucketOptions {
  /** TCP port on 127.0.0.1; default 0 (a free port). */
  port?: number;
  /** Accepted apps; default one, `emulator-client-id` / `emulator-client-secret`, with callback `http://localhost:3000/auth/atlassian/callback` (and the same on 127.0.0.1). */
  clients?: EmulatorClientInput[];
  /** Users; default one user (Ada Lovelace) with three sites. The first user is signed in. */
  users?: EmulatorUserInput[];
  /** Access token lifetime in seconds; default 3600. */
  accessTokenTtlSeconds?: number;
  /** How long a used refresh token (and the access token issued with it) stays valid, in seconds, on Atlassian and Bitbucket; default 600. */
  refreshLeewaySeconds?: number;
  /** A refresh token unused this long (seconds since issue) is refused; default 90 days. */
  inactivityExpirySeconds?: number;
  /** A grant older than this (seconds since consent) is refused; default 365 days. */
  absoluteExpirySeconds?: number;
  /** Skip the consent page and redirect back with a code at once; default false. */
  autoApprove?: boolean;
  /** Initial emulator clock; default the real time at start. */
  now?: Date;
  /** Let the emulator clock also move with real time; default false (it moves only by `advance`/`set`). */
  realTimeClock?: boolean;
  /** Service-account credentials the client credentials grant accepts; default none. Registered after `users`. */
  serviceAccounts?: EmulatorServiceAccountInput[];
  /** Points-based rate limits on the Jira and Confluence routes; default none (see `setRateLimits`). */
  rateLimits?: EmulatorRateLimits;
  /**
   * Real milliseconds to wait before each retry of a failed webhook delivery; its length is how many retries
   * Jira makes (Bitbucket makes at most 2, with the first two waits). Default `[10, 20, 40, 80, 160]`.
   */
  webhookRetryDelaysMs?: number[];
  /** How long one delivery attempt may take before it counts as a timeout, in real ms; default 10000. */
  webhookTimeoutMs?: number;
}

/** Options of `AtlassianEmulator.approve()`. */
export interface EmulatorApproveOptions {
  /** Press "Deny" instead of "Accept"; default false. */
  deny?: boolean;
  /** Consent as this user instead of the signed-in one. */
  accountId?: string;
}

/** Options of `AtlassianEmulator.issueTokens()`. */
export interface EmulatorIssueTokensOptions {
  /** Granted scopes; include `offline_access` to get a refresh token. */
  scopes: string[];
  /** The user; default the signed-in user. */
  accountId?: string;
  /** The app; default the first registered client. */
  clientId?: string;
}

/** The body of a successful Atlassian token response (and of `AtlassianEmulator.issueTokens()`). */
export interface EmulatorTokenResponse {
  access_token: string;
  expires_in: number;
  scope: string;
  token_type: 'Bearer';
  refresh_token?: string;
}
