import { AtlassianControls } from './atlassian/atlassian-controls.js';
import type { JiraIssueChanges } from './atlassian/jira-issue-changes.js';
import { JiraWebhookControls } from './atlassian/jira-webhook-controls.js';
import type {
  EmulatorBitbucketConsumerInput,
  EmulatorBitbucketPushInput,
  EmulatorBitbucketPushResult,
  EmulatorBitbucketTokenResponse,
  EmulatorIssueBitbucketTokensOptions,
} from './bitbucket.types.js';
import { BitbucketControls } from './bitbucket/bitbucket-controls.js';
import { BitbucketHookControls } from './bitbucket/bitbucket-hook-controls.js';
import { assembleEmulator } from './emulator-assembly.js';
import type {
  AtlassianEmulatorOptions,
  EmulatorApproveOptions,
  EmulatorClientInput,
  EmulatorIssue,
  EmulatorIssueInput,
  EmulatorIssueTokensOptions,
  EmulatorServiceAccountInput,
  EmulatorSiteInput,
  EmulatorTokenResponse,
  EmulatorUser,
  EmulatorUserInput,
} from './emulator.types.js';
import type { EmulatorRateLimits } from './rate-limits.types.js';
import { submitConsent } from './oauth/consent-browser.js';
import type { SharedState } from './oauth/shared-state.js';
import type { EmulatorCall, EmulatorCallLog, EmulatorRoute } from './server/emulator-call-log.js';
import type { EmulatorClock } from './server/emulator-clock.js';
import type { EmulatorFault, EmulatorFaults } from './server/emulator-faults.js';
import type { EmulatorServer } from './server/emulator-server.js';
import type { EmulatorWebhookDelivery } from './webhooks/webhook-deliveries.js';
import type {
  EmulatorWebhookRegistration,
  EmulatorWebhookRegistrationFilter,
} from './webhooks.types.js';
import type { WebhookSender } from './webhooks/webhook-sender.js';

/**
 * A real HTTP server on 127.0.0.1 that plays auth.atlassian.com, api.atlassian.com and Bitbucket Cloud, for
 * tests and demos. One facade over the server, the shared people and clock, and each provider's controls.
 */
export class AtlassianEmulator {
  /** The emulator clock: tokens, codes and grants expire by it; move it with `advance` / `set`. */
  readonly clock: EmulatorClock;

  private constructor(
    private readonly server: EmulatorServer,
    private readonly shared: SharedState,
    private readonly faults: EmulatorFaults,
    private readonly callLog: EmulatorCallLog,
    private readonly atlassian: AtlassianControls,
    private readonly bitbucket: BitbucketControls,
    private readonly jiraWebhooks: JiraWebhookControls,
    private readonly bitbucketHooks: BitbucketHookControls,
    private readonly webhooks: WebhookSender,
  ) {
    this.clock = shared.clock;
  }

  /** Start an emulator; every option has a default (see `AtlassianEmulatorOptions`). */
  static async start(options: AtlassianEmulatorOptions = {}): Promise<AtlassianEmulator> {
    const { server, shared, faults, calls, atlassian, bitbucket, webhooks } =
      await assembleEmulator(options);
    return new AtlassianEmulator(
      server,
      shared,
      faults,
      calls,
      new AtlassianControls(atlassian),
      new BitbucketControls(bitbucket),
      new JiraWebhookControls(atlassian),
      new BitbucketHookControls(bitbucket),
      webhooks,
    );
  }

  /** Base URL, `http://127.0.0.1:PORT` without a trailing slash. */
  get url(): string {
    return this.server.url;
  }

  /** Stands in for `https://auth.atlassian.com` (`/authorize`, `/oauth/token`). */
  get authBaseURL(): string {
    return this.server.url;
  }

  /** Stands in for `https://api.atlassian.com` (`/me`, `/oauth/token/accessible-resources`, `/ex/...`). */
  get apiBaseURL(): string {
    return this.server.url;
  }

  /** Stands in for `https://bitbucket.org` (`/site/oauth2/authorize`, `/site/oauth2/access_token`). */
  get bitbucketAuthBaseURL(): string {
    return this.server.url;
  }

  /** Stands in for `https://api.bitbucket.org` (`/2.0/user`, `/2.0/user/emails`, `/2.0/repositories/{workspace}`). */
  get bitbucketApiBaseURL(): string {
    return this.server.url;
  }

  /** Add or replace a user (one person on both providers); returns a copy with defaults filled in. */
  addUser(input: EmulatorUserInput): EmulatorUser {
    return structuredClone(this.shared.directory.addUser(input));
  }

  /** Make the consent pages (and autoApprove) act for `accountId`. */
  signInAs(accountId: string): void {
    this.shared.directory.signInAs(accountId);
  }

  /** Switch the consent pages off (true) or on (false) while running. */
  setAutoApprove(autoApprove: boolean): void {
    this.shared.behaviour.autoApprove = autoApprove;
  }

  /** Act as the browser on the consent page (Atlassian's or Bitbucket's); resolves to the callback URL the emulator redirects to. */
  approve(authorizeUrl: string, options: EmulatorApproveOptions = {}): Promise<string> {
    const signedIn = this.shared.directory.signedInUser()?.accountId;
    // Under autoApprove the signed-in account is the only one possible, so naming it is not an error.
    const accountId =
      options.accountId === signedIn && this.shared.behaviour.autoApprove
        ? undefined
        : options.accountId;
    return submitConsent(authorizeUrl, { ...options, accountId });
  }

  /** Every request answered so far, oldest first (a copy). */
  get calls(): readonly EmulatorCall[] {
    return this.callLog.list();
  }

  /** How many requests hit `route` and match `filter`, e.g. `count('token', { grantType: 'refresh_token', status: 200 })`. */
  count(route: EmulatorRoute, filter?: Partial<EmulatorCall>): number {
    return this.callLog.count(route, filter);
  }

  /**
   * Refresh requests, on Atlassian's and Bitbucket's token endpoints together, that presented an already
   * used refresh token (calls noted `refreshTokenReplayed`), whatever the answer; 0 when no token was
   * used twice. Read from the call log, so `resetCalls()` starts it again from 0.
   */
  refreshTokenReplays(): number {
    const replayed = { refreshTokenReplayed: true };
    return this.callLog.count('token', replayed) + this.callLog.count('bitbucket-token', replayed);
  }

  /** Forget the recorded calls. */
  resetCalls(): void {
    this.callLog.reset();
  }

  /** Misbehave on the next `fault.times` (default 1) requests of `fault.route`. */
  inject(fault: EmulatorFault): void {
    this.faults.inject(fault);
  }

  /** Delay every request of `route` by `ms` real milliseconds; 0 removes the delay. */
  setLatency(route: EmulatorRoute, ms: number): void {
    this.faults.setLatency(route, ms);
  }

  /** Drop every pending fault and every latency. */
  clearFaults(): void {
    this.faults.clear();
  }

  /** Close the server and every open connection; delayed requests and pending webhook retries are abandoned. */
  async stop(): Promise<void> {
    await this.webhooks.stop();
    await this.server.close();
  }

  // Atlassian: delegates to AtlassianControls.

  /** Add or replace an app; `redirect_uri` must equal one of its `redirectUris` exactly. */
  registerClient(client: EmulatorClientInput): void {
    this.atlassian.registerClient(client);
  }

  /**
   * Add or replace a service account's OAuth 2.0 credential (client credentials grant): fixed scopes, the
   * sites it reaches (a site, or the cloudId of a user's site); tokens it already has follow its new sites.
   */
  registerServiceAccount(account: EmulatorServiceAccountInput): void {
    this.atlassian.registerServiceAccount(account);
  }

  /** Replace the sites `accountId` can reach; accessible-resources and the product routes follow at once. */
  setSites(accountId: string, sites: EmulatorSiteInput[]): void {
    this.atlassian.setSites(accountId, sites);
  }

  /**
   * Put Atlassian's points-based rate limits in force on the Jira and Confluence routes, replacing the ones
   * set before (`undefined` or `{}`: none); every budget and window starts afresh. See `EmulatorRateLimits`.
   */
  setRateLimits(limits: EmulatorRateLimits | undefined): void {
    this.atlassian.setRateLimits(limits);
  }

  /** Revoke every grant of `accountId`, as when the user removes the app: all its tokens stop working. */
  revokeGrant(accountId: string): void {
    this.atlassian.revokeGrant(accountId);
  }

  /** True while `accessToken` would be accepted by api.atlassian.com. */
  isAccessTokenValid(accessToken: string): boolean {
    return this.atlassian.isAccessTokenValid(accessToken);
  }

  /** How many successful refreshes `refreshToken` has performed (more than 1 means it was reused). */
  refreshTokenUses(refreshToken: string): number {
    return this.atlassian.refreshTokenUses(refreshToken);
  }

  /** Mint tokens as if the user had just consented, without the browser dance (to seed a test's database). */
  issueTokens(options: EmulatorIssueTokensOptions): EmulatorTokenResponse {
    return this.atlassian.issueTokens(options);
  }

  // Bitbucket Cloud: delegates to BitbucketControls.

  /** Add or replace a Bitbucket OAuth consumer; scopes default to `account email repository`. */
  registerBitbucketConsumer(consumer: EmulatorBitbucketConsumerInput): void {
    this.bitbucket.registerConsumer(consumer);
  }

  /** Revoke every Bitbucket grant of `accountId`: its Bitbucket tokens stop working (Atlassian's are untouched). */
  revokeBitbucketGrant(accountId: string): void {
    this.bitbucket.revokeGrant(accountId);
  }

  /** True while `accessToken` would be accepted by api.bitbucket.org. */
  isBitbucketAccessTokenValid(accessToken: string): boolean {
    return this.bitbucket.isAccessTokenValid(accessToken);
  }

  /** How many successful refreshes a Bitbucket `refreshToken` has performed (more than 1 means it was reused). */
  bitbucketRefreshTokenUses(refreshToken: string): number {
    return this.bitbucket.refreshTokenUses(refreshToken);
  }

  /** Mint Bitbucket tokens as if the user had just consented to the consumer (its scopes), without HTTP. */
  issueBitbucketTokens(
    options: EmulatorIssueBitbucketTokensOptions = {},
  ): EmulatorBitbucketTokenResponse {
    return this.bitbucket.issueTokens(options);
  }

  // Webhooks: delegates to JiraWebhookControls, BitbucketHookControls and the shared sender.

  /** Create an issue on site `cloudId` as `actorAccountId` (default the signed-in user); delivers `jira:issue_created`. */
  createIssue(
    cloudId: string,
    issue: EmulatorIssueInput,
    options: { actorAccountId?: string } = {},
  ): EmulatorIssue {
    return this.jiraWebhooks.createIssue(cloudId, issue, options.actorAccountId);
  }

  /**
   * Change fields of an issue (`summary`, `description`, `status`, `issuetype`, `assignee`, `reporter`,
   * `customfield_<id>`) as `actorAccountId` (default the signed-in user); delivers `jira:issue_updated`, with
   * the changelog, to the matching registrations when a value changed.
   */
  updateIssue(
    cloudId: string,
    issueKey: string,
    fields: JiraIssueChanges,
    options: { actorAccountId?: string } = {},
  ): EmulatorIssue {
    return this.jiraWebhooks.updateIssue(cloudId, issueKey, fields, options.actorAccountId);
  }

  /** Push commits to a Bitbucket repository; delivers `repo:push` to the repository's and its workspace's hooks. */
  pushToRepository(
    workspace: string,
    repoSlug: string,
    push: EmulatorBitbucketPushInput = {},
  ): EmulatorBitbucketPushResult {
    return this.bitbucketHooks.push(workspace, repoSlug, push);
  }

  /** Live Jira registrations and Bitbucket hooks (never a hook's secret), narrowed by `filter`. */
  webhookRegistrations(
    filter: EmulatorWebhookRegistrationFilter = {},
  ): EmulatorWebhookRegistration[] {
    const all: EmulatorWebhookRegistration[] = [
      ...this.jiraWebhooks.registrations(),
      ...this.bitbucketHooks.registrations(),
    ];
    return all.filter((registration) =>
      Object.entries(filter).every(
        ([key, value]) =>
          value === undefined ||
          (registration as unknown as Record<string, unknown>)[key] === value,
      ),
    );
  }

  /** Let Jira registration `id` on `cloudId` expire now: no longer listed, refreshed or delivered. */
  expireWebhook(cloudId: string, id: number): void {
    this.jiraWebhooks.expire(cloudId, id);
  }

  /** Make Jira registration `id` on `cloudId` vanish, as if Jira had dropped it. */
  dropWebhookRegistration(cloudId: string, id: number): void {
    this.jiraWebhooks.drop(cloudId, id);
  }

  /** Make the Bitbucket hook `uuid` (braces optional) vanish, as if deleted in Bitbucket's settings. */
  dropBitbucketHook(uuid: string): void {
    this.bitbucketHooks.drop(uuid);
  }

  /** Every webhook delivery attempt so far, Jira's and Bitbucket's, oldest first (copies). */
  webhookDeliveries(): EmulatorWebhookDelivery[] {
    return this.webhooks.deliveries();
  }

  /** Resolve once every webhook delivery started so far, retries included, has finished. */
  settleWebhooks(): Promise<void> {
    return this.webhooks.settle();
  }
}
