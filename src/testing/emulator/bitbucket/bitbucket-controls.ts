import type { EmulatorState } from '../atlassian/atlassian-state.js';
import type {
  EmulatorBitbucketConsumerInput,
  EmulatorBitbucketTokenResponse,
  EmulatorIssueBitbucketTokensOptions,
} from '../bitbucket.types.js';

/**
 * The Bitbucket Cloud half of `AtlassianEmulator`'s controls: the same server, users and clock also play
 * bitbucket.org and api.bitbucket.org. A separate class only to keep each file to one provider.
 */
export abstract class BitbucketEmulatorControls {
  protected constructor(protected readonly state: EmulatorState) {}

  /** Base URL, `http://127.0.0.1:PORT` without a trailing slash. */
  abstract get url(): string;

  /** Stands in for `https://bitbucket.org` (`/site/oauth2/authorize`, `/site/oauth2/access_token`). */
  get bitbucketAuthBaseURL(): string {
    return this.url;
  }

  /** Stands in for `https://api.bitbucket.org` (`/2.0/user`, `/2.0/user/emails`, `/2.0/repositories/{workspace}`). */
  get bitbucketApiBaseURL(): string {
    return this.url;
  }

  /** Add or replace a Bitbucket OAuth consumer; scopes default to `account email repository`. */
  registerBitbucketConsumer(consumer: EmulatorBitbucketConsumerInput): void {
    this.state.directory.registerBitbucketConsumer(consumer);
  }

  /** Revoke every Bitbucket grant of `accountId`: its Bitbucket tokens stop working (Atlassian's are untouched). */
  revokeBitbucketGrant(accountId: string): void {
    this.state.directory.requireUser(accountId);
    this.state.bitbucket.tokens.revokeAccount(accountId);
  }

  /** True while `accessToken` would be accepted by api.bitbucket.org. */
  isBitbucketAccessTokenValid(accessToken: string): boolean {
    return this.state.bitbucket.tokens.grantForAccessToken(accessToken) !== undefined;
  }

  /** How many successful refreshes a Bitbucket `refreshToken` has performed (more than 1 means it was reused). */
  bitbucketRefreshTokenUses(refreshToken: string): number {
    return this.state.bitbucket.tokens.refreshTokenUses(refreshToken);
  }

  /** Mint Bitbucket tokens as if the user had just consented to the consumer (its scopes), without HTTP. */
  issueBitbucketTokens(
    options: EmulatorIssueBitbucketTokensOptions = {},
  ): EmulatorBitbucketTokenResponse {
    const { directory, clock } = this.state;
    const user =
      options.accountId === undefined
        ? directory.signedInUser()
        : directory.requireUser(options.accountId);
    const consumer = directory.bitbucketConsumer(options.consumerKey, true);
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
    return this.state.bitbucket.tokens.createGrant(grant).body;
  }
}
