import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianReauthRequiredError, AtlassianTokenRefreshError } from '../errors/token-errors.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { postTokenRequest, ProviderHttpError } from '../providers/provider-http.js';
import type { TokenSet } from '../providers/provider-profile.interface.js';
import { toTokenSet } from '../providers/token-response.js';
import { AccountTokenStore } from './account-token.store.js';
import { TokenCipher } from './token-cipher.js';
import { tokenEndpointsOf, type TokenEndpoint } from './token-endpoints.js';
import { nextAttemptAt } from './token-freshness.js';

/** A fresh access token and when it expires. */
export interface RefreshedToken {
  accessToken: string;
  accessTokenExpiresAt: Date | null;
}

/**
 * One refresh of one claimed account: call the token endpoint, then store the rotated pair
 * (encrypted, retried on a failed write) before the new access token leaves this class. Tells a
 * refusal (`reauth_required`) from a failure that may pass (tokens kept, backoff).
 */
@Injectable()
export class TokenRefresher {
  private readonly logger = new Logger('TokenRefresher');
  private readonly endpoints: Map<string, TokenEndpoint>;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
    private readonly cipher: TokenCipher,
    private readonly events: AtlassianEventPublisher,
  ) {
    this.endpoints = tokenEndpointsOf(options);
  }

  /** Refreshes an account whose claim `owner` holds; the claim ends whatever happens. */
  async refresh(account: LinkedAccount, owner: string): Promise<RefreshedToken> {
    const endpoint = this.endpoints.get(account.provider);
    if (!endpoint) return this.fail(account, owner, new Error(`the ${account.provider} provider is not configured in AtlassianModule`));
    const refreshToken = account.refreshTokenEncrypted ? this.cipher.decrypt(account.refreshTokenEncrypted) : null;
    if (!refreshToken) return this.refuse(account, owner, 'no refresh token stored: request the offline_access scope');
    let tokens: TokenSet;
    try {
      const raw = await postTokenRequest(endpoint.tokenURL, { grant_type: 'refresh_token', refresh_token: refreshToken }, endpoint, endpoint.style, this.options.httpTimeoutMs);
      tokens = toTokenSet(raw, this.options.now(), account.scopes);
    } catch (err) {
      if (err instanceof ProviderHttpError && err.kind === 'refused' && err.oauthError && endpoint.refusals.includes(err.oauthError)) {
        return this.refuse(account, owner, err.oauthError);
      }
      return this.fail(account, owner, err);
    }
    const now = this.options.now();
    // A response without refresh_token means the old one stays valid: keep it.
    const pair = {
      accessTokenEncrypted: this.cipher.encrypt(tokens.accessToken),
      refreshTokenEncrypted: tokens.refreshToken ? this.cipher.encrypt(tokens.refreshToken) : account.refreshTokenEncrypted,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      scopes: tokens.scopes,
    };
    await this.storeRotatedPair(account, owner, pair, now);
    this.events.publish(AtlassianEvents.TokenRefreshed, { accountId: account.id, userId: account.userId, provider: account.provider, accessTokenExpiresAt: tokens.accessTokenExpiresAt });
    return { accessToken: tokens.accessToken, accessTokenExpiresAt: tokens.accessTokenExpiresAt };
  }

  /** The provider already rotated: losing this write would lose the grant, so retry it with backoff. */
  private async storeRotatedPair(account: LinkedAccount, owner: string, pair: Parameters<AccountTokenStore['saveRefreshed']>[2], now: Date): Promise<void> {
    const attempts = this.options.tokens.storeAttempts;
    for (let attempt = 1; ; attempt++) {
      try {
        const stored = await this.store.saveRefreshed(account.id, owner, pair, now);
        if (!stored) this.logger.warn(`Refresh claim on account ${account.id} lapsed before its result was stored; the newer pair stays.`);
        return;
      } catch (err) {
        if (attempt >= attempts) {
          this.logger.error(`Could not store the rotated tokens of account ${account.id} after ${attempts} attempts: ${(err as Error).message}`);
          throw new AtlassianTokenRefreshError(account.id, account.provider, new Date(now.getTime() + this.options.tokens.refreshLeaseMs), 'the database rejected the new tokens', { cause: err });
        }
        this.logger.warn(`Storing the rotated tokens of account ${account.id} failed (attempt ${attempt}/${attempts}); retrying.`);
        await sleep(50 * 2 ** (attempt - 1));
      }
    }
  }

  private async refuse(account: LinkedAccount, owner: string, reason: string): Promise<never> {
    await this.store.markReauthRequired(account.id, owner, reason);
    this.events.publish(AtlassianEvents.ReauthRequired, { accountId: account.id, userId: account.userId, provider: account.provider, reason });
    throw new AtlassianReauthRequiredError(account.id, account.provider, reason);
  }

  private async fail(account: LinkedAccount, owner: string, err: unknown): Promise<never> {
    const { backoffBaseMs, backoffMaxMs } = this.options.tokens;
    const failureCount = account.refreshFailureCount + 1;
    const reason = (err as Error).message ?? String(err);
    const retryAt = nextAttemptAt(this.options.now(), failureCount, backoffBaseMs, backoffMaxMs, (err as ProviderHttpError).retryAfterMs);
    await this.store.recordTransientFailure(account.id, owner, failureCount, retryAt, reason);
    this.events.publish(AtlassianEvents.TokenRefreshFailed, { accountId: account.id, userId: account.userId, provider: account.provider, reason, retryAt, failureCount });
    throw new AtlassianTokenRefreshError(account.id, account.provider, retryAt, reason, { cause: err });
  }
}
