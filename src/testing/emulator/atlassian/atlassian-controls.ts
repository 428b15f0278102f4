import type {
  EmulatorClientInput,
  EmulatorIssueTokensOptions,
  EmulatorServiceAccountInput,
  EmulatorSiteInput,
  EmulatorTokenResponse,
} from '../emulator.types.js';
import type { EmulatorRateLimits } from '../rate-limits.types.js';
import { PRODUCT_ENDPOINT_NAMES } from './atlassian-product.routes.js';
import { normalizeSite } from './atlassian-sites.js';
import type { AtlassianState } from './atlassian-state.js';
import { resolveRateLimits } from './rate-limits/rate-limit-settings.js';

/**
 * The Atlassian controls of `AtlassianEmulator` (apps, service accounts, sites, grants, tokens, rate limits);
 * the facade delegates here.
 */
export class AtlassianControls {
  constructor(private readonly atlassian: AtlassianState) {}

  /** Add or replace an app; `redirect_uri` must equal one of its `redirectUris` exactly. */
  registerClient(client: EmulatorClientInput): void {
    this.atlassian.clients.register(client);
  }

  /** Add or replace a service-account credential; sites named by cloudId are copied from a user's. */
  registerServiceAccount(input: EmulatorServiceAccountInput): void {
    const { directory, serviceAccounts } = this.atlassian;
    serviceAccounts.register(input, (cloudId) =>
      directory
        .allUsers()
        .flatMap((user) => user.sites)
        .find((site) => site.id === cloudId),
    );
  }

  /** Put `limits` in force on the product routes (undefined: none), starting every budget and window afresh. */
  setRateLimits(limits: EmulatorRateLimits | undefined): void {
    this.atlassian.rateLimits.configure(
      limits === undefined ? undefined : resolveRateLimits(limits, PRODUCT_ENDPOINT_NAMES),
    );
  }

  /** Replace the sites `accountId` can reach; accessible-resources and the product routes follow at once. */
  setSites(accountId: string, sites: EmulatorSiteInput[]): void {
    this.atlassian.directory.requireUser(accountId).sites = sites.map(normalizeSite);
  }

  /** Revoke every Atlassian grant of `accountId`, as when the user removes the app. */
  revokeGrant(accountId: string): void {
    this.atlassian.directory.requireUser(accountId);
    this.atlassian.tokens.revokeAccount(accountId);
  }

  /** True while `accessToken` would be accepted by api.atlassian.com. */
  isAccessTokenValid(accessToken: string): boolean {
    return this.atlassian.tokens.grantForAccessToken(accessToken) !== undefined;
  }

  /** How many successful refreshes `refreshToken` has performed. */
  refreshTokenUses(refreshToken: string): number {
    return this.atlassian.tokens.refreshTokenUses(refreshToken);
  }

  /** Mint tokens as if the user had just consented, without the browser dance. */
  issueTokens(options: EmulatorIssueTokensOptions): EmulatorTokenResponse {
    const { directory, clients, tokens, clock } = this.atlassian;
    const user =
      options.accountId === undefined
        ? directory.signedInUser()
        : directory.requireUser(options.accountId);
    const client = options.clientId === undefined ? clients.first() : clients.get(options.clientId);
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
}
