/** A Bitbucket OAuth consumer (an OAuth client of bitbucket.org) the emulator accepts. */
export interface EmulatorBitbucketConsumerInput {
  /** The consumer key, sent as `client_id` and as the HTTP Basic user. */
  key: string;
  /** The consumer secret, sent as the HTTP Basic password. */
  secret: string;
  /** The one callback URL; a `redirect_uri`, when sent, must equal it exactly. */
  callbackURL: string;
  /** Scopes fixed on the consumer (Bitbucket takes none per request); default `['account', 'email', 'repository']`. */
  scopes?: string[];
}

/** A consumer with its defaults filled in. */
export interface EmulatorBitbucketConsumer extends Required<EmulatorBitbucketConsumerInput> {}

/** One address of `/2.0/user/emails`, in Bitbucket's own field names. */
export interface EmulatorBitbucketEmail {
  email: string;
  is_primary: boolean;
  is_confirmed: boolean;
}

/** A repository of a workspace. */
export interface EmulatorBitbucketRepositoryInput {
  /** Display name. */
  name: string;
  /** URL slug; default the name, lower case, non-alphanumerics as `-`. */
  slug?: string;
  /** `{…}` UUID; default derived from workspace and slug (stable across runs). */
  uuid?: string;
  /** Default true (Bitbucket's default for new repositories). */
  is_private?: boolean;
}

/** A repository with its defaults filled in. */
export interface EmulatorBitbucketRepository extends Required<EmulatorBitbucketRepositoryInput> {}

/** A workspace the user belongs to, served by `/2.0/repositories/{slug}`. */
export interface EmulatorBitbucketWorkspaceInput {
  /** Workspace slug (the `{workspace}` path segment). */
  slug: string;
  /** Display name; default the slug. */
  name?: string;
  /** Its repositories, in listing order; default none. */
  repositories?: EmulatorBitbucketRepositoryInput[];
}

/** A workspace with its defaults filled in. */
export interface EmulatorBitbucketWorkspace {
  slug: string;
  name: string;
  repositories: EmulatorBitbucketRepository[];
}

/** The Bitbucket side of an emulator user (`EmulatorUserInput.bitbucket`); every field is optional. */
export interface EmulatorBitbucketUserInput {
  /** Username; default the name, lower case, non-alphanumerics as `-` (e.g. `ada-lovelace`). */
  username?: string;
  /** `/2.0/user/emails`; default the user's email (confirmed, primary) plus `<username>.alt@example.com` (unconfirmed). `[]` for none. */
  emails?: EmulatorBitbucketEmail[];
  /** Workspaces; default one named after the username with repositories `website` (public) and `notes` (private). */
  workspaces?: EmulatorBitbucketWorkspaceInput[];
}

/** A user's Bitbucket identity, defaults filled in; its `account_id` is the Atlassian `accountId`. */
export interface EmulatorBitbucketIdentity {
  /** `{xxxxxxxx-xxxx-4xxx-xxxx-xxxxxxxxxxxx}`, derived from the account id (stable across runs). */
  uuid: string;
  username: string;
  /** The first word of the name, as Atlassian's `/me` nickname. */
  nickname: string;
  /** `created_on` of `/2.0/user`. */
  createdOn: string;
  emails: EmulatorBitbucketEmail[];
  workspaces: EmulatorBitbucketWorkspace[];
}

/** Which field of the token response names the granted scopes: `scopes` (before May 2026), `scope` (since), or both. */
export type BitbucketScopeField = 'scope' | 'scopes' | 'both';

/** Bitbucket options of `AtlassianEmulator.start()`. */
export interface EmulatorBitbucketOptions {
  /** Accepted Bitbucket consumers; default one, `emulator-bitbucket-key` / `emulator-bitbucket-secret`, callback `http://localhost:3000/auth/bitbucket/callback`. */
  bitbucketConsumers?: EmulatorBitbucketConsumerInput[];
  /** Bitbucket access token lifetime in seconds; default 7200. */
  bitbucketAccessTokenTtlSeconds?: number;
  /** An unused Bitbucket refresh token is refused this long (seconds) after issue; default 90 days. */
  bitbucketInactivityExpirySeconds?: number;
  /** Scope field of Bitbucket token responses; default `'scope'`. */
  bitbucketScopeField?: BitbucketScopeField;
}

/** Options of `AtlassianEmulator.issueBitbucketTokens()`. */
export interface EmulatorIssueBitbucketTokensOptions {
  /** The user; default the signed-in user. */
  accountId?: string;
  /** The consumer; default the first registered one. */
  consumerKey?: string;
}

/** The body of a successful Bitbucket token response. */
export interface EmulatorBitbucketTokenResponse {
  access_token: string;
  /** Space separated; present when `bitbucketScopeField` is `'scope'` or `'both'`. */
  scope?: string;
  /** Space separated; present when `bitbucketScopeField` is `'scopes'` or `'both'`. */
  scopes?: string;
  expires_in: number;
  refresh_token: string;
  token_type: 'bearer';
  /** The grant that produced it, as Bitbucket echoes it. */
  state: 'authorization_code' | 'refresh_token';
}

/** What `AtlassianEmulator.pushToRepository()` pushes; every field has a default. */
export interface EmulatorBitbucketPushInput {
  /** The branch; default `main`. */
  branch?: string;
  /** Commit messages, oldest first; default one commit. */
  commits?: string[];
  /** Who pushed; default the user whose workspace holds the repository. */
  actorAccountId?: string;
}

/** What a push did, and how many hooks it was sent to. */
export interface EmulatorBitbucketPushResult {
  branch: string;
  /** The branch's new head. */
  hash: string;
  /** The head before, as this emulator saw it; `null` for a new branch. */
  previousHash: string | null;
  /** Hooks the `repo:push` went to (the repository's own and its workspace's, active, listening). */
  hooks: number;
}
