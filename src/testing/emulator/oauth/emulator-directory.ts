import type {
  EmulatorBitbucketConsumer,
  EmulatorBitbucketConsumerInput,
} from '../bitbucket.types.js';
import { bitbucketIdentity, normalizeBitbucketConsumer } from '../bitbucket/bitbucket-identity.js';
import { CONFLUENCE_SCOPES, JIRA_SCOPES } from '../emulator-defaults.js';
import type {
  EmulatorClientInput,
  EmulatorSite,
  EmulatorSiteInput,
  EmulatorUser,
  EmulatorUserInput,
} from '../emulator.types.js';

const DEFAULT_PICTURE =
  'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/default-avatar.png';

/** The registered apps (Atlassian clients, Bitbucket consumers) and the people who can consent, with their sites. */
export class EmulatorDirectory {
  private readonly clients = new Map<string, EmulatorClientInput>();
  private readonly consumers = new Map<string, EmulatorBitbucketConsumer>();
  private readonly users = new Map<string, EmulatorUser>();
  private signedInAccountId: string | undefined;

  /** Add or replace a client. */
  registerClient(input: EmulatorClientInput): void {
    if (!input.clientId || !input.clientSecret)
      throw new TypeError('registerClient: clientId and clientSecret are required');
    this.clients.set(input.clientId, { ...input, redirectUris: [...input.redirectUris] });
  }

  /** The client with `clientId`, if registered. */
  client(clientId: string | undefined): EmulatorClientInput | undefined {
    return clientId === undefined ? undefined : this.clients.get(clientId);
  }

  /** The first registered client, used when a helper is not told which. */
  firstClient(): EmulatorClientInput | undefined {
    return this.clients.values().next().value;
  }

  /** Add or replace a Bitbucket consumer. */
  registerBitbucketConsumer(input: EmulatorBitbucketConsumerInput): void {
    const consumer = normalizeBitbucketConsumer(input);
    this.consumers.set(consumer.key, consumer);
  }

  /** The Bitbucket consumer with `key` (or the first registered one when `key` is undefined and `orFirst` is set). */
  bitbucketConsumer(
    key: string | undefined,
    orFirst = false,
  ): EmulatorBitbucketConsumer | undefined {
    if (key === undefined) return orFirst ? this.consumers.values().next().value : undefined;
    return this.consumers.get(key);
  }

  /** Add or replace a user; the first user added becomes the signed-in one. */
  addUser(input: EmulatorUserInput): EmulatorUser {
    if (!input.accountId) throw new TypeError('addUser: accountId is required');
    const email = input.email ?? `${input.accountId}@example.com`;
    const user: EmulatorUser = {
      accountId: input.accountId,
      email,
      name: input.name,
      picture: input.picture ?? DEFAULT_PICTURE,
      sites: (input.sites ?? []).map(normalizeSite),
      bitbucket: bitbucketIdentity(
        { accountId: input.accountId, name: input.name, email },
        input.bitbucket,
      ),
    };
    if (input.emailVerified !== undefined) user.emailVerified = input.emailVerified;
    this.users.set(user.accountId, user);
    this.signedInAccountId ??= user.accountId;
    return user;
  }

  /** The user with `accountId`, if any. */
  user(accountId: string | undefined): EmulatorUser | undefined {
    return accountId === undefined ? undefined : this.users.get(accountId);
  }

  /** Every user, in insertion order. */
  allUsers(): EmulatorUser[] {
    return [...this.users.values()];
  }

  /** The user the consent page acts for by default. */
  signedInUser(): EmulatorUser | undefined {
    return this.user(this.signedInAccountId);
  }

  /** Make `accountId` the user the consent page acts for. */
  signInAs(accountId: string): void {
    this.requireUser(accountId);
    this.signedInAccountId = accountId;
  }

  /** Replace a user's sites (a site can disappear, a new one appear). */
  setSites(accountId: string, sites: EmulatorSiteInput[]): void {
    this.requireUser(accountId).sites = sites.map(normalizeSite);
  }

  /** The user with `accountId`, or a clear error naming it. */
  requireUser(accountId: string): EmulatorUser {
    const user = this.users.get(accountId);
    if (!user) throw new Error(`Unknown emulator user "${accountId}": add it with addUser() first`);
    return user;
  }
}

function normalizeSite(site: EmulatorSiteInput): EmulatorSite {
  return {
    id: site.id,
    name: site.name,
    url: site.url,
    scopes: [...(site.scopes ?? [...JIRA_SCOPES, ...CONFLUENCE_SCOPES])],
    avatarUrl:
      site.avatarUrl ??
      `https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/${site.name}.png`,
    projects: [...(site.projects ?? [])],
    spaces: [...(site.spaces ?? [])],
  };
}
