import type {
  EmulatorBitbucketIdentity,
  EmulatorBitbucketOptions,
  EmulatorBitbucketUserInput,
} from './bitbucket.types.js';

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
export interface EmulatorSite extends Required<EmulatorSiteInput> {}

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
