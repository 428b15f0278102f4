import { Inject, Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import {
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
} from '../errors/token-errors.js';
import { AtlassianEventPublisher } from '../events/atlassian-event-publisher.js';
import { AtlassianEvents } from '../events/atlassian-events.js';
import { leaseRemainingMs, type Lease } from '../jobs/lease.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { postTokenRequest, ProviderHttpError } from '../providers/provider-http.js';
import type { TokenSet } from '../providers/provider-profile.interface.js';
import { isFinalRefusal } from '../providers/token-lifecycle-rules.js';
import { toTokenSet } from '../providers/token-response.js';
import { AccountTokenStore, type StoredTokenPair } from './account-token.store.js';
import { TokenCipher, tokenBinding } from '../crypto/token-cipher.js';
import { tokenEndpointsOf, type TokenEndpoint } from '../providers/token-endpoints.js';
import { nextAttemptAt } from './token-freshness.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import { traceRefresh } from '../telemetry/refresh-telemetry.js';

/** What a refresh reads of an account: the scheduled refresh claims these columns only. */
export const REFRESH_COLUMNS = [
  'userId',
  'provider',
  'scopes',
  'refreshTokenEncrypted',
  'refreshFailureCount',
] as const satisfies ReadonlyArray<keyof LinkedAccount>;

/** An account as a refresh sees it (a loaded {@link LinkedAccount} is one). */
export type RefreshableAccount = Pick<LinkedAccount, 'id' | (typeof REFRESH_COLUMNS)[number]>;

/** What a refresh under a lease came to, when it did not throw. */
export type RefreshOutcome =
  /** The rotated pair is stored: the new access token may be used. */
  | { kind: 'refreshed'; accessToken: string; accessTokenExpiresAt: Date | null }
  /** A write outside the lease (a new sign-in, a forget) took the row: nothing of this refresh may be used. */
  | { kind: 'superseded' };

/** First and longest pause between two attempts to store a rotated pair. */
const STORE_RETRY_FIRST_MS = 100;
const STORE_RETRY_MAX_MS = 2_000;

/**
 * One refresh of one leased account: call the token endpoint, then store the rotated pair (encrypted,
 * bound to its row, retried while the database refuses it for as long as the store budget and the lease
 * allow) before the new access token leaves this class. Tells a refusal (`reauth_required`) from a
 * failure that may pass (tokens kept, backoff). Shutdown waits for refreshes in flight.
 */
@Injectable()
export class TokenRefresher implements BeforeApplicationShutdown {
  private readonly logger = new Logger('TokenRefresher');
  private readonly endpoints: Map<string, TokenEndpoint>;
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
    private readonly cipher: TokenCipher,
    private readonly events: AtlassianEventPublisher,
    private readonly clock: AtlassianClock,
  ) {
    this.endpoints = tokenEndpointsOf(options);
  }

  /**
   * Refreshes an account whose lease is `lease`; the lease ends whatever happens (or lapses).
   * `answered` is called once the token endpoint has answered (or was never asked), before the
   * result is stored: the scheduler's slot is then free for another account.
   */
  refresh(
    account: RefreshableAccount,
    lease: Lease,
    answered?: () => void,
  ): Promise<RefreshOutcome> {
    const work = traceRefresh(account, () => this.refreshLeased(account, lease, answered));
    this.inFlight.add(work);
    void work.catch(() => undefined).finally(() => this.inFlight.delete(work));
    return work;
  }

  /** The database must outlive every rotated pair still waiting to be stored. */
  async beforeApplicationShutdown(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  private async refreshLeased(
    account: RefreshableAccount,
    lease: Lease,
    answered?: () => void,
  ): Promise<RefreshOutcome> {
    const endpoint = this.endpoints.get(account.provider);
    if (!endpoint)
      return this.fail(
        account,
        lease,
        new Error(`the ${account.provider} provider is not configured in AtlassianModule`),
      );
    if (!account.refreshTokenEncrypted)
      return this.refuse(
        account,
        lease,
        'no refresh token stored: request the offline_access scope',
      );
    let tokens: TokenSet;
    let refreshToken: string;
    try {
      // A refresh token no configured key decrypts fails here: recorded like any failed refresh, and
      // fixed by putting the key back in encryptionKeys.
      refreshToken = this.cipher.decrypt(
        account.refreshTokenEncrypted,
        tokenBinding(account.id, 'refresh'),
      );
      const raw = await postTokenRequest(
        endpoint.tokenURL,
        { grant_type: 'refresh_token', refresh_token: refreshToken },
        endpoint,
        endpoint.style,
        this.options.httpTimeoutMs,
      );
      tokens = toTokenSet(raw, this.clock.now(), account.scopes);
    } catch (err) {
      answered?.();
      if (err instanceof ProviderHttpError && isFinalRefusal(endpoint.lifecycle, err))
        return this.refuse(account, lease, err.oauthError!);
      return this.fail(account, lease, err);
    }
    answered?.();
    const usedAt = new Date();
    const pair: StoredTokenPair = {
      accessTokenEncrypted: this.cipher.encrypt(
        tokens.accessToken,
        tokenBinding(account.id, 'access'),
      ),
      // A response without refresh_token means the old one stays valid: keep it (under the current key).
      refreshTokenEncrypted: this.cipher.encrypt(
        tokens.refreshToken ?? refreshToken,
        tokenBinding(account.id, 'refresh'),
      ),
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      scopes: tokens.scopes,
    };
    if (!(await this.storeRotatedPair(account, lease, pair, endpoint, usedAt)))
      return this.superseded(account);
    this.events.publish(AtlassianEvents.TokenRefreshed, {
      accountId: account.id,
      userId: account.userId,
      provider: account.provider,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    });
    return {
      kind: 'refreshed',
      accessToken: tokens.accessToken,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
    };
  }

  /**
   * The provider already rotated: the previous refresh token is spent, so losing this pair loses the
   * grant. Retried while the lease (which covers the store budget) keeps everyone else away.
   */
  private async storeRotatedPair(
    account: RefreshableAccount,
    lease: Lease,
    pair: StoredTokenPair,
    endpoint: TokenEndpoint,
    usedAt: Date,
  ): Promise<boolean> {
    // The lease covers httpTimeoutMs + storeBudgetMs and a margin: stop before the margin is used.
    const marginMs =
      lease.durationMs - this.options.httpTimeoutMs - this.options.tokens.storeBudgetMs;
    let pauseMs = STORE_RETRY_FIRST_MS;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.store.saveRefreshed(account.id, lease, pair, this.clock.now());
      } catch (err) {
        const leftMs = leaseRemainingMs(lease, marginMs);
        if (leftMs <= 0) {
          this.logger.error(giveUpMessage(account, endpoint, usedAt, lease, attempt, err));
          throw new AtlassianTokenRefreshError(
            account.id,
            account.provider,
            new Date(Date.now() + leaseRemainingMs(lease)),
            'the database did not take the new tokens in time',
            { cause: err },
          );
        }
        if (attempt === 1) {
          this.logger.warn(
            `Storing the rotated tokens of account ${account.id} failed (${(err as Error).message}); retrying for up to ${Math.round(leftMs / 1000)} s while its lease holds.`,
          );
        }
        await sleep(Math.min(pauseMs, leftMs));
        pauseMs = Math.min(pauseMs * 2, STORE_RETRY_MAX_MS);
      }
    }
  }

  /** The grant is gone: the account needs a new consent; superseded when a new sign-in or a forget took the row meanwhile. */
  private async refuse(
    account: RefreshableAccount,
    lease: Lease,
    reason: string,
  ): Promise<RefreshOutcome> {
    // A refusal of a grant that a new sign-in replaced meanwhile says nothing about the new one.
    if (!(await this.store.markReauthRequired(account.id, lease, reason)))
      return this.superseded(account);
    this.events.publish(AtlassianEvents.ReauthRequired, {
      accountId: account.id,
      userId: account.userId,
      provider: account.provider,
      reason,
    });
    throw new AtlassianReauthRequiredError(account.id, account.provider, reason);
  }

  /** A failure that may pass: tokens kept, backoff recorded; superseded when the row was taken meanwhile. */
  private async fail(
    account: RefreshableAccount,
    lease: Lease,
    err: unknown,
  ): Promise<RefreshOutcome> {
    const { backoffBaseMs, backoffMaxMs } = this.options.tokens;
    const failureCount = account.refreshFailureCount + 1;
    const reason = (err as Error)?.message ?? String(err);
    const retryAt = nextAttemptAt(
      this.clock.now(),
      failureCount,
      backoffBaseMs,
      backoffMaxMs,
      (err as ProviderHttpError).retryAfterMs,
    );
    if (
      !(await this.store.recordTransientFailure(account.id, lease, failureCount, retryAt, reason))
    )
      return this.superseded(account);
    this.events.publish(AtlassianEvents.TokenRefreshFailed, {
      accountId: account.id,
      userId: account.userId,
      provider: account.provider,
      reason,
      retryAt,
      failureCount,
    });
    throw new AtlassianTokenRefreshError(account.id, account.provider, retryAt, reason, {
      cause: err,
    });
  }

  private superseded(account: RefreshableAccount): RefreshOutcome {
    this.logger.warn(
      `The refresh of account ${account.id} was superseded (a new sign-in or a forget took the row); its result is dropped.`,
    );
    return { kind: 'superseded' };
  }
}

/** What an operator needs when a rotated pair is lost: until when the account can still be saved. */
function giveUpMessage(
  account: RefreshableAccount,
  endpoint: TokenEndpoint,
  usedAt: Date,
  lease: Lease,
  attempts: number,
  err: unknown,
): string {
  const leewaySeconds = endpoint.lifecycle.refreshTokenReuseLeewaySeconds;
  const leewayEndsAt = new Date(usedAt.getTime() + leewaySeconds * 1000).toISOString();
  const leaseEndsAt = new Date(Date.now() + leaseRemainingMs(lease)).toISOString();
  return (
    `Could not store the rotated tokens of account ${account.id} after ${attempts} attempts (${(err as Error)?.message}); they are dropped. ` +
    `${endpoint.displayName} rotated them at ${usedAt.toISOString()}: the previous refresh token stays usable until ${leewayEndsAt} ` +
    `(its ${leewaySeconds}-second reuse leeway). This account's lease lapses at ${leaseEndsAt}; a refresh between the two recovers it, ` +
    `after ${leewayEndsAt} the user must connect again.`
  );
}
