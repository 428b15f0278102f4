import { Inject, Injectable } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import type { SiteView } from '../../accounts/linked-account.view.js';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import { SingleFlight } from '../../common/single-flight.js';
import { serviceAccountTokenBinding, TokenCipher } from '../../crypto/token-cipher.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { OAuthProviderError } from '../../errors/oauth-callback.error.js';
import { AtlassianServiceAccountError } from '../../errors/service-account.error.js';
import { TokenCipherError } from '../../errors/token-cipher.error.js';
import type { ServiceAccountCredentials } from '../../options/atlassian-module-options.interface.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { effectiveSkewMs } from '../../tokens/token-freshness.js';
import { requestServiceAccountToken } from './service-account-grant.js';
import type { ServiceAccountToken } from './service-account-token.entity.js';
import { ServiceAccountTokenStore } from './service-account-token.store.js';

/** A token this process may hand out without reading the row, until `untilMs` by the module's clock. */
interface HeldToken {
  token: string;
  sites: SiteView[];
  scopes: string[];
  untilMs: number;
}

/**
 * Service-account tokens, fetched once across instances: a token about to expire is replaced by the
 * one instance that claims the row (the others wait for the row to be fresh, then decrypt it), and
 * every instance keeps it in memory until the refresh skew before its expiry. There is no refresh
 * token: a new token is asked for with the credential. A 401 replaces it only while the stored token
 * is still the one refused.
 */
@Injectable()
export class ServiceAccountTokens {
  private readonly held = new Map<string, HeldToken>();
  private readonly inFlight = new SingleFlight<HeldToken>();

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: ServiceAccountTokenStore,
    private readonly cipher: TokenCipher,
    private readonly clock: AtlassianClock,
  ) {}

  /** The configured credential of `name`; throws when there is none, naming the configured ones. */
  credentials(name: string): ServiceAccountCredentials {
    const credentials = Object.hasOwn(this.options.serviceAccounts, name)
      ? this.options.serviceAccounts[name]
      : undefined;
    if (credentials) return credentials;
    const known = Object.keys(this.options.serviceAccounts);
    throw new AtlassianServiceAccountError(
      AtlassianErrorCode.ServiceAccountUnknown,
      name,
      `No service account is configured as ${JSON.stringify(name)}: ${
        known.length > 0
          ? `the serviceAccounts option names ${known.map((n) => `"${n}"`).join(', ')}`
          : 'add it to the serviceAccounts option of AtlassianModule'
      }.`,
    );
  }

  /** A valid access token of the service account `name`. */
  async getToken(name: string): Promise<string> {
    return (await this.current(name)).token;
  }

  /** The sites the service account reaches (read with its latest token). */
  async sites(name: string): Promise<SiteView[]> {
    return (await this.current(name)).sites;
  }

  /** The scopes fixed on the service account's credential. */
  async scopes(name: string): Promise<string[]> {
    return (await this.current(name)).scopes;
  }

  /**
   * A new token after `rejected` was refused (401), unless another caller or instance already
   * replaced it: then that one.
   */
  async forceRefresh(name: string, rejected: string | undefined): Promise<string> {
    this.credentials(name);
    const held = this.held.get(name);
    // Without the refused token, the one this process holds is the one refused.
    if (held && rejected !== undefined && held.token !== rejected) return held.token;
    rejected ??= held?.token;
    this.held.delete(name);
    return (await this.inFlight.run(`force:${name}`, () => this.obtain(name, rejected))).token;
  }

  private async current(name: string): Promise<HeldToken> {
    this.credentials(name);
    const held = this.held.get(name);
    if (held && held.untilMs > this.clock.now().getTime()) return held;
    return this.inFlight.run(name, () => this.obtain(name, undefined));
  }

  /** Reads the row; when its token is stale (or the refused one), claims it and asks, or waits for whoever did. */
  private async obtain(name: string, rejected: string | undefined): Promise<HeldToken> {
    const credentials = this.credentials(name);
    const { refreshWaitMs, refreshPollIntervalMs, refreshLeaseMs } = this.options.tokens;
    // Waiting for another instance is real time, whatever clock expiry decisions read.
    const deadline = performance.now() + refreshWaitMs;
    for (;;) {
      const row = await this.store.load(name, credentials.clientId);
      const usable = this.usable(row, credentials, rejected);
      if (usable) return this.hold(name, usable);
      const lease = await this.store.claim(row, refreshLeaseMs);
      if (lease) {
        const now = this.clock.now();
        let grant;
        try {
          grant = await requestServiceAccountToken(
            name,
            credentials,
            this.options.atlassian,
            this.options.httpTimeoutMs,
            now,
          );
        } catch (err) {
          await this.store.release(name, lease);
          throw err;
        }
        const fresh: HeldToken = {
          token: grant.accessToken,
          sites: grant.sites,
          scopes: grant.scopes,
          untilMs: this.heldUntil(grant.accessTokenExpiresAt, now),
        };
        const stored = await this.store.save(name, lease, {
          clientId: credentials.clientId,
          accessTokenEncrypted: this.cipher.encrypt(
            grant.accessToken,
            serviceAccountTokenBinding(name),
          ),
          accessTokenExpiresAt: grant.accessTokenExpiresAt,
          fetchedAt: now,
          scopes: grant.scopes,
          sites: grant.sites,
        });
        // A lapsed lease (a store slower than refreshLeaseMs): the token is still valid, only unshared.
        if (stored) return this.hold(name, fresh);
        return fresh;
      }
      if (performance.now() >= deadline) {
        throw new OAuthProviderError(
          AtlassianErrorCode.ProviderUnavailable,
          `Could not get a token for service account "${name}": another instance is asking for one and did not finish within tokens.refreshWaitMs (${refreshWaitMs} ms). Try again shortly.`,
        );
      }
      await sleep(refreshPollIntervalMs);
    }
  }

  /** The row's token when it belongs to this credential, is not the refused one and is not due. */
  private usable(
    row: ServiceAccountToken,
    credentials: ServiceAccountCredentials,
    rejected: string | undefined,
  ): HeldToken | undefined {
    if (!row.accessTokenEncrypted || row.clientId !== credentials.clientId) return undefined;
    const untilMs = this.heldUntil(row.accessTokenExpiresAt, row.fetchedAt ?? this.clock.now());
    if (untilMs <= this.clock.now().getTime()) return undefined;
    let token: string;
    try {
      token = this.cipher.decrypt(row.accessTokenEncrypted, serviceAccountTokenBinding(row.id));
    } catch (err) {
      // Under a retired key (or altered): an hour's token is cheaper to ask for again than to keep a key for.
      if (err instanceof TokenCipherError) return undefined;
      throw err;
    }
    if (token === rejected) return undefined;
    return { token, sites: row.sites, scopes: row.scopes, untilMs };
  }

  /** Until the refresh skew before expiry (at most half the token's lifetime). */
  private heldUntil(expiresAt: Date | null, issuedAt: Date): number {
    if (!expiresAt) return issuedAt.getTime() + this.options.tokens.cacheTtlMs;
    const skewMs = effectiveSkewMs(
      { accessTokenExpiresAt: expiresAt, lastRefreshedAt: issuedAt },
      this.options.tokens.refreshSkewSeconds * 1000,
    );
    return expiresAt.getTime() - skewMs;
  }

  private hold(name: string, held: HeldToken): HeldToken {
    this.held.set(name, held);
    return held;
  }
}
