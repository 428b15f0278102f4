import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type {
  LinkedAccount,
  LinkedAccountStatus,
} from '../accounts/entities/linked-account.entity.js';
import { AccountRemovalHooks } from '../accounts/account-removal-hooks.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import {
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
} from '../errors/token-errors.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AccessTokenCache } from './access-token.cache.js';
import { AccountTokenStore } from './account-token.store.js';
import { AccountUsageRecorder } from './account-usage.recorder.js';
import type { AccessTokenRow } from './access-token-read.js';
import { SingleFlight } from '../common/single-flight.js';
import { consentExpiresAt } from './consent-lifetime.js';
import { TokenCipher, tokenBinding } from '../crypto/token-cipher.js';
import { effectiveSkewMs, isFresh, isUnexpired } from './token-freshness.js';
import { TokenRefresher } from './token-refresher.js';
import { targetKey, type TokenTarget } from './token-target.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';

/** An account's token dates and status; never the tokens. */
export interface TokenStatus {
  accountId: string;
  status: LinkedAccountStatus;
  statusReason: string | null;
  accessTokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  consentedAt: Date;
  /** When the consent runs out and the user must connect again (Atlassian: 365 days); null when the provider sets no limit. */
  consentExpiresAt: Date | null;
  /** No refresh is tried before this, after a failure that may pass. */
  nextRefreshAttemptAt: Date | null;
  lastRefreshError: string | null;
}

/**
 * Hands out valid access tokens. A token close to expiry is refreshed exactly once per rotation:
 * callers in this process share one refresh (single flight), and processes sharing the database
 * race for a claim on the row; the losers wait and read what the winner stored.
 */
@Injectable()
export class AtlassianTokenService {
  private readonly inFlight = new SingleFlight<string>();
  private readonly cache: AccessTokenCache;

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
    private readonly refresher: TokenRefresher,
    private readonly cipher: TokenCipher,
    private readonly clock: AtlassianClock,
    private readonly removalHooks: AccountRemovalHooks,
    private readonly usage: AccountUsageRecorder,
  ) {
    this.cache = new AccessTokenCache(options.tokens.cacheTtlMs);
  }

  /**
   * The access token held in memory for the target, if any (what {@link getAccessToken} would hand out
   * without reading the database); undefined otherwise. Synchronous: the API client's hot path.
   * @internal
   */
  cachedAccessToken(target: TokenTarget): string | undefined {
    return this.fromCache(targetKey(target));
  }

  /** A valid access token for the account, refreshed first when it expires within the skew. */
  async getAccessToken(target: TokenTarget): Promise<string> {
    const key = targetKey(target);
    const cached = this.fromCache(key);
    if (cached !== undefined) return cached;
    // The hot read: only what handing out the stored token needs; the whole row only for a refresh.
    const row = active(target, await this.store.loadForAccess(target));
    this.usage.note(row.id, this.clock.now());
    if (isFresh(row, this.clock.now(), this.skewMs)) return this.remember(key, row);
    return this.inFlight.run(row.id, async () =>
      this.refreshOrWait(await this.loadActive({ accountId: row.id }), key, undefined),
    );
  }

  /** Refreshes now (e.g. after the API answered 401), unless another caller refreshed since this call began. */
  async forceRefresh(target: TokenTarget): Promise<string> {
    const key = targetKey(target);
    const requestedAt = this.clock.now();
    const account = await this.loadActive(target);
    this.usage.note(account.id, requestedAt);
    // Under every key it was cached by (account id, user and provider): the token was just refused.
    this.cache.deleteAccount(account.id);
    return this.inFlight.run(`force:${account.id}`, () =>
      this.refreshOrWait(account, key, requestedAt),
    );
  }

  /** The account's token dates and status. */
  async getTokenStatus(target: TokenTarget): Promise<TokenStatus> {
    const account = await this.load(target);
    return {
      accountId: account.id,
      status: account.status,
      statusReason: account.statusReason,
      accessTokenExpiresAt: account.accessTokenExpiresAt,
      lastRefreshedAt: account.lastRefreshedAt,
      consentedAt: account.consentedAt,
      consentExpiresAt: consentExpiresAt(account),
      nextRefreshAttemptAt: account.nextRefreshAttemptAt,
      lastRefreshError: account.lastRefreshError,
    };
  }

  /**
   * Forgets the account's tokens (status `revoked`), e.g. before unlinking it; first removes what it
   * keeps at the provider (its webhooks), while the token still works.
   */
  async forgetTokens(target: TokenTarget): Promise<void> {
    const account = await this.load(target);
    await this.removalHooks.beforeRemoval(account.id);
    this.cache.deleteAccount(account.id);
    await this.store.forgetTokens(account.id);
  }

  /** The token held in memory under `key`, noted as a use of its account; undefined when none is. */
  private fromCache(key: string): string | undefined {
    const now = this.clock.now();
    const entry = this.cache.entry(key, now);
    if (entry === undefined) return undefined;
    this.usage.note(entry.accountId, now);
    return entry.token;
  }

  private get skewMs(): number {
    return this.options.tokens.refreshSkewSeconds * 1000;
  }

  /**
   * Claim and refresh, or wait for whoever holds the claim and return what they stored. A forced
   * refresh is satisfied by any refresh stored after `forcedAt`.
   */
  private async refreshOrWait(
    seen: LinkedAccount,
    key: string,
    forcedAt: Date | undefined,
  ): Promise<string> {
    const { refreshWaitMs, refreshPollIntervalMs, refreshLeaseMs } = this.options.tokens;
    // Waiting is real time, whatever clock expiry decisions read.
    const deadline = performance.now() + refreshWaitMs;
    let account = seen;
    for (let first = true; ; first = false) {
      if (!first) account = await this.loadActive({ accountId: seen.id });
      const now = this.clock.now();
      const refreshedSinceForce =
        forcedAt !== undefined &&
        account.lastRefreshedAt !== null &&
        account.lastRefreshedAt > forcedAt;
      if (
        (forcedAt === undefined || refreshedSinceForce) &&
        (refreshedSinceForce || isFresh(account, now, this.skewMs))
      )
        return this.remember(key, account);
      if (account.nextRefreshAttemptAt && account.nextRefreshAttemptAt > now) {
        // Backing off after a failure that may pass: a token that still works is better than none.
        if (forcedAt === undefined && isUnexpired(account, now)) return this.remember(key, account);
        throw new AtlassianTokenRefreshError(
          account.id,
          account.provider,
          account.nextRefreshAttemptAt,
          account.lastRefreshError ?? 'backing off after a failed refresh',
        );
      }
      // Whether a lease is live is the database's call (its clock), never this process's.
      const lease = await this.store.claim(account, refreshLeaseMs);
      if (lease) {
        const outcome = await this.refresher.refresh(account, lease);
        // Superseded: a new sign-in or a forget took the row; read what it stored.
        if (outcome.kind === 'superseded') continue;
        this.cache.set(
          key,
          account.id,
          outcome.accessToken,
          this.cacheUntil(outcome.accessTokenExpiresAt, now, now),
        );
        return outcome.accessToken;
      }
      if (performance.now() >= deadline) {
        throw new AtlassianTokenRefreshError(
          account.id,
          account.provider,
          new Date(now.getTime() + refreshPollIntervalMs),
          'another process holds the refresh and did not finish in time',
        );
      }
      await sleep(refreshPollIntervalMs);
    }
  }

  private remember(key: string, account: AccessTokenRow): string {
    const token = this.cipher.decrypt(
      account.accessTokenEncrypted,
      tokenBinding(account.id, 'access'),
    );
    const now = this.clock.now();
    this.cache.set(
      key,
      account.id,
      token,
      this.cacheUntil(account.accessTokenExpiresAt, account.lastRefreshedAt ?? now, now),
    );
    return token;
  }

  /** Cache no longer than the TTL, and never into the refresh window. */
  private cacheUntil(expiresAt: Date | null, issuedAt: Date, now: Date): number {
    const ttlEnd = now.getTime() + this.options.tokens.cacheTtlMs;
    if (!expiresAt) return ttlEnd;
    return Math.min(
      ttlEnd,
      expiresAt.getTime() -
        effectiveSkewMs(
          { accessTokenExpiresAt: expiresAt, lastRefreshedAt: issuedAt },
          this.skewMs,
        ),
    );
  }

  private async load(target: TokenTarget): Promise<LinkedAccount> {
    return linked(target, await this.store.load(target));
  }

  private async loadActive(target: TokenTarget): Promise<LinkedAccount> {
    return active(target, await this.store.load(target));
  }
}

/** The account read for `target`; a missing one is {@link AccountNotLinkedError}. */
function linked<T extends AccessTokenRow>(target: TokenTarget, account: T | null): T {
  if (!account)
    throw new AccountNotLinkedError(
      'accountId' in target ? `account ${target.accountId}` : target.provider,
    );
  return account;
}

/** The account read for `target`, which must be linked and active ({@link AtlassianReauthRequiredError} otherwise). */
function active<T extends AccessTokenRow>(target: TokenTarget, account: T | null): T {
  const found = linked(target, account);
  if (found.status !== 'active')
    throw new AtlassianReauthRequiredError(
      found.id,
      found.provider,
      found.statusReason ?? found.status,
    );
  return found;
}
