import type {
  EmulatorBitbucketConsumerInput,
  EmulatorBitbucketTokenResponse,
  EmulatorIssueBitbucketTokensOptions,
} from '../bitbucket.types.js';
import type { BitbucketState } from './bitbucket-state.js';

/**
 * The Bitbucket Cloud controls of `AtlassianEmulator` (consumers, grants, tokens): the same server, users and
 * clock also play bitbucket.org and api.bitbucket.org. The facade delegates here under Bitbucket names.
 */
export class BitbucketControls {
  constructor(private readonly bitbucket: BitbucketState) {}

  /** Add or replace a Bitbucket OAuth consumer; scopes default to `account email repository`. */
  registerConsumer(consumer: EmulatorBitbucketConsumerInput): void {
    this.bitbucket.consumers.register(consumer);
  }

  /** Revoke every Bitbucket grant of `accountId`: its Bitbucket tokens stop working (Atlassian's are untouched). */
  revokeGrant(accountId: string): void {
    this.bitbucket.directory.requireUser(accountId);
    this.bitbucket.tokens.revokeAccount(accountId);
  }

  /** True while `accessToken` would be accepted by api.bitbucket.org. */
  isAccessTokenValid(accessToken: string): boolean {
    return this.bitbucket.tokens.grantForAccessToken(accessToken) !== undefined;
  }

  /** How many successful refreshes a Bitbucket `refreshToken` has performed. */
  refreshTokenUses(refreshToken: string): number {
    return this.bitbucket.tokens.refreshTokenUses(refreshToken);
  }

  /** Mint Bitbucket tokens as if the user had just consented to the consumer (its scopes), without HTTP. */
  issueTokens(options: EmulatorIssueBitbucketTokensOptions = {}): EmulatorBitbucketTokenResponse {
    const { directory, consumers, tokens, clock } = this.bitbucket;
    const user =
      options.accountId === undefined
        ? directory.signedInUser()
        : directory.requireUser(options.accountId);
    const consumer =
      options.consumerKey === undefined ? consumers.first() : consumers.get(options.consumerKey);
    if (!user || !consumer) {
      throw new Error(
        'issueBitbucketTokens: unknown or missing user or consumer: add them with addUser() / registerBitbucketConsumer() first',
      );
    }
    const grant = {
      clientId: consumer.key,
      accountId: user.accountId,
      scopes: consumer.scopes,
      consentedAtMs: clock.nowMs(),
    };
    return tokens.createGrant(grant).body;
  }
}
