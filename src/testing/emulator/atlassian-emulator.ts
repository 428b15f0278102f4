import type { EmulatorState } from './atlassian/atlassian-state.js';
import { BitbucketEmulatorControls } from './bitbucket/bitbucket-controls.js';
import { assembleEmulator } from './emulator-assembly.js';
import type {
  AtlassianEmulatorOptions,
  EmulatorApproveOptions,
  EmulatorClientInput,
  EmulatorIssueTokensOptions,
  EmulatorSiteInput,
  EmulatorUser,
  EmulatorUserInput,
} from './emulator.types.js';
import { submitConsent } from './oauth/consent-browser.js';
import type { EmulatorTokenResponse } from './oauth/oauth-outcome.js';
import type { EmulatorCall, EmulatorCallLog, EmulatorRoute } from './server/emulator-call-log.js';
import type { EmulatorClock } from './server/emulator-clock.js';
import type { EmulatorFault, EmulatorFaults } from './server/emulator-faults.js';
import type { EmulatorServer } from './server/emulator-server.js';

/** A real HTTP server on 127.0.0.1 that plays auth.atlassian.com, api.atlassian.com and Bitbucket Cloud, for tests and demos. */
export class AtlassianEmulator extends BitbucketEmulatorControls {
  /** The emulator clock: tokens, codes and grants expire by it; move it with `advance` / `set`. */
  readonly clock: EmulatorClock;

  private constructor(
    private readonly server: EmulatorServer,
    state: EmulatorState,
    private readonly faults: EmulatorFaults,
    private readonly callLog: EmulatorCallLog,
  ) {
    super(state);
    this.clock = state.clock;
  }

  /** Start an emulator; every option has a default (see `AtlassianEmulatorOptions`). */
  static async start(options: AtlassianEmulatorOptions = {}): Promise<AtlassianEmulator> {
    const { server, state, faults, calls } = await assembleEmulator(options);
    return new AtlassianEmulator(server, state, faults, calls);
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

  /** Add or replace an app; `redirect_uri` must equal one of its `redirectUris` exactly. */
  registerClient(client: EmulatorClientInput): void {
    this.state.directory.registerClient(client);
  }

  /** Add or replace a user; returns a copy with defaults filled in. */
  addUser(input: EmulatorUserInput): EmulatorUser {
    return structuredClone(this.state.directory.addUser(input));
  }

  /** Make the consent page (and autoApprove) act for `accountId`. */
  signInAs(accountId: string): void {
    this.state.directory.signInAs(accountId);
  }

  /** Replace the sites `accountId` can reach; accessible-resources and the product routes follow at once. */
  setSites(accountId: string, sites: EmulatorSiteInput[]): void {
    this.state.directory.setSites(accountId, sites);
  }

  /** Switch the consent page off (true) or on (false) while running. */
  setAutoApprove(autoApprove: boolean): void {
    this.state.behaviour.autoApprove = autoApprove;
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

  /** Revoke every grant of `accountId`, as when the user removes the app: all its tokens stop working. */
  revokeGrant(accountId: string): void {
    this.state.directory.requireUser(accountId);
    this.state.tokens.revokeAccount(accountId);
  }

  /** True while `accessToken` would be accepted by api.atlassian.com. */
  isAccessTokenValid(accessToken: string): boolean {
    return this.state.tokens.grantForAccessToken(accessToken) !== undefined;
  }

  /** How many successful refreshes `refreshToken` has performed (more than 1 means it was reused). */
  refreshTokenUses(refreshToken: string): number {
    return this.state.tokens.refreshTokenUses(refreshToken);
  }

  /** Act as the browser on the consent page (Atlassian's or Bitbucket's); resolves to the callback URL the emulator redirects to. */
  approve(authorizeUrl: string, options: EmulatorApproveOptions = {}): Promise<string> {
    const signedIn = this.state.directory.signedInUser()?.accountId;
    // Under autoApprove the signed-in account is the only one possible, so naming it is not an error.
    const accountId =
      options.accountId === signedIn && this.state.behaviour.autoApprove
        ? undefined
        : options.accountId;
    return submitConsent(authorizeUrl, { ...options, accountId });
  }

  /** Mint tokens as if the user had just consented, without the browser dance (to seed a test's database). */
  issueTokens(options: EmulatorIssueTokensOptions): EmulatorTokenResponse {
    const { directory, tokens, clock } = this.state;
    const user =
      options.accountId === undefined
        ? directory.signedInUser()
        : directory.requireUser(options.accountId);
    const client =
      options.clientId === undefined ? directory.firstClient() : directory.client(options.clientId);
    if (!user || !client)
      throw new Error('issueTokens: unknown or missing user or client: register them first');
    const consentedAtMs = clock.nowMs();
    return tokens.createGrant({
      clientId: client.clientId,
      accountId: user.accountId,
      scopes: options.scopes,
      consentedAtMs,
    }).body;
  }

  /** Close the server and every open connection; delayed requests are abandoned. */
  stop(): Promise<void> {
    return this.server.close();
  }
}
