import { Inject, Injectable } from '@nestjs/common';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import type { Lease } from '../jobs/lease.js';
import { runClaimFlow } from '../jobs/claim-flow.js';
import type { ClaimStatement, DueRows } from '../jobs/leased-rows.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { merged } from '../common/merged.js';
import { AccountTokenStore } from './account-token.store.js';
import { tokenEndpointsOf } from '../providers/token-endpoints.js';
import { REFRESH_COLUMNS, TokenRefresher, type RefreshableAccount } from './token-refresher.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';

const DAY_MS = 24 * 3600 * 1000;

/** What one tick did. */
export interface RefreshSweepResult {
  /** Accounts this process refreshed. */
  refreshed: number;
  /** Refreshes that failed for a reason that may pass (kept, retried later). */
  failed: number;
  /** Accounts the provider refused (now `reauth_required`). */
  reauthRequired: number;
  /** Refreshes dropped because a new sign-in or a forget took the account meanwhile. */
  superseded: number;
  /** Consent-expiry warnings this process sent. */
  consentWarnings: number;
}

/** The claims of a tick: accounts expiring within the window (unless it is 0), then idle ones. */
interface TickClaims {
  expiring?: ClaimStatement<RefreshableAccount>;
  idle: ClaimStatement<RefreshableAccount>;
}

/**
 * The scheduled refresh, a job on the leased-rows mechanism: each round claims the accounts whose
 * token expires within the window and that were used recently, then (when that batch is short) the
 * idle ones, each claim under its own lease, and refreshes exactly the rows it claimed.
 *
 * Refreshing ahead only pays for accounts in use: it keeps a refresh off their next call. An account
 * nobody uses would be refreshed every hour for nothing (24 token requests a day, each a provider
 * quota's worth); its next call refreshes it on demand instead, and the keep-alive still holds its
 * refresh token before the inactivity limit, used or not.
 */
@Injectable()
export class TokenRefreshJob {
  /** Providers whose accounts can be refreshed here: others are never claimed. */
  private readonly providers: string[];
  private statements: TickClaims | undefined;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
    private readonly refresher: TokenRefresher,
    private readonly clock: AtlassianClock,
  ) {
    this.providers = [...tokenEndpointsOf(options).keys()];
  }

  /**
   * Refreshes what is due until nothing is, or until `shouldStop`; adds to `result`.
   *
   * Refreshes flow ({@link runClaimFlow}): `concurrency` token requests are always in flight, each
   * started the moment another answers, from accounts claimed ahead. Waves (claim `concurrency`, wait
   * for the slowest, claim again) left most slots idle: a sweep took three times its ideal; waiting
   * for each claim and each stored pair before the next request still took twice. A row claimed
   * ahead waits about one token request for its slot (at most a second, then its lease is given
   * back), out of a lease sized for minutes.
   */
  async run(result: RefreshSweepResult, shouldStop: () => boolean): Promise<void> {
    const { concurrency, batchSize } = this.options.refreshScheduler;
    const tickStartedAt = this.clock.now();
    await runClaimFlow<{ account: RefreshableAccount; lease: Lease }>(
      {
        claim: (count) => this.claimDue(Math.min(count, batchSize), tickStartedAt),
        work: ({ account, lease }, answered) =>
          this.refreshClaimed(account, lease, result, answered),
        giveBack: async ({ account, lease }) => void (await this.store.release(account.id, lease)),
      },
      { slots: Math.min(batchSize, concurrency), shouldStop },
    );
  }

  /** Claims up to `count` due rows: those expiring within the window and used recently first, then idle ones. */
  private async claimDue(
    count: number,
    tickStartedAt: Date,
  ): Promise<Array<{ account: RefreshableAccount; lease: Lease }>> {
    const { windowSeconds, keepAliveAfterDays } = this.options.refreshScheduler;
    const statements = this.claimStatements();
    const now = this.clock.now();
    const common = { now, tickStartedAt, active: 'active', providers: this.providers };
    const claims = [];
    if (statements.expiring) {
      const expiring = merged(common, {
        threshold: new Date(now.getTime() + windowSeconds * 1000),
        ...this.usedSince(now),
      });
      claims.push(await this.store.leases.claim(statements.expiring, count, expiring));
    }
    const taken = claims.reduce((sum, claim) => sum + claim.rows.length, 0);
    if (taken < count) {
      const idle = merged(common, {
        threshold: new Date(now.getTime() - keepAliveAfterDays * DAY_MS),
      });
      claims.push(await this.store.leases.claim(statements.idle, count - taken, idle));
    }
    return claims.flatMap(({ lease, rows }) => rows.map((account) => ({ account, lease })));
  }

  /** The two claims of a tick, built on first use: their SQL depends on the options only. */
  private claimStatements(): TickClaims {
    return (this.statements ??= this.prepareClaimStatements());
  }

  private prepareClaimStatements(): TickClaims {
    const leaseMs = this.options.tokens.refreshLeaseMs;
    const prepare = (dueRows: DueRows<LinkedAccount>) =>
      this.store.leases.prepareClaim(dueRows, leaseMs, REFRESH_COLUMNS);
    return {
      expiring:
        this.options.refreshScheduler.windowSeconds > 0
          ? prepare(this.earliestFirst('due.accessTokenExpiresAt', this.usedRecently()))
          : undefined,
      idle: prepare(this.earliestFirst('due.lastRefreshedAt')),
    };
  }

  /** Accounts due now, whichever rule makes them due: the backlog a tick starts with. */
  countDue(): Promise<number> {
    const { windowSeconds, keepAliveAfterDays } = this.options.refreshScheduler;
    const now = this.clock.now();
    const rules = ['due.lastRefreshedAt <= :idleBefore'];
    if (windowSeconds > 0)
      rules.push(`(due.accessTokenExpiresAt <= :expiringBefore${this.usedRecently(' AND ')})`);
    return this.store.leases.countDue(
      this.due(`(${rules.join(' OR ')})`, {
        now,
        tickStartedAt: now,
        active: 'active',
        providers: this.providers,
        idleBefore: new Date(now.getTime() - keepAliveAfterDays * DAY_MS),
        expiringBefore: new Date(now.getTime() + windowSeconds * 1000),
        ...this.usedSince(now),
      }),
    );
  }

  /**
   * SQL (after `joiner`): the account was used or signed in since `:usedSince`; empty when the window
   * serves every account. A sign-in counts as a use, so an account never used since `lastUsedAt`
   * exists (null) counts as used at its last sign-in: existing rows keep their proactive refresh for
   * one period, then fall to on demand. Not its last refresh: every proactive refresh would then
   * count as a use, and the window would never let an unused account go.
   */
  private usedRecently(joiner = ''): string {
    if (!this.options.refreshScheduler.proactiveForUsedWithinMs) return '';
    return `${joiner}(due.lastUsedAt >= :usedSince OR due.consentedAt >= :usedSince)`;
  }

  /** The `:usedSince` parameter of {@link usedRecently}, when the policy has one. */
  private usedSince(now: Date): { usedSince?: Date } {
    const withinMs = this.options.refreshScheduler.proactiveForUsedWithinMs;
    return withinMs ? { usedSince: new Date(now.getTime() - withinMs) } : {};
  }

  /** Due accounts whose `column` is at or before `:threshold` (and `extraRule` holds), earliest first. */
  private earliestFirst(column: string, extraRule = ''): DueRows<LinkedAccount> {
    const rule = `${column} <= :threshold`;
    const due = this.due(extraRule ? `${rule} AND ${extraRule}` : rule);
    return (rows) => due(rows).orderBy(column, 'ASC');
  }

  /** Active accounts of a configured provider that `rule` picks, neither in backoff nor refreshed this tick. */
  private due(rule: string, parameters: Record<string, unknown> = {}): DueRows<LinkedAccount> {
    return (due) =>
      due
        .where(rule)
        .andWhere('due.status = :active')
        .andWhere('due.provider IN (:...providers)')
        .andWhere('(due.nextRefreshAttemptAt IS NULL OR due.nextRefreshAttemptAt <= :now)')
        // Refreshed since the tick began: not due again in the same tick (short-lived tokens).
        .andWhere('(due.lastRefreshedAt IS NULL OR due.lastRefreshedAt < :tickStartedAt)')
        .setParameters(parameters);
  }

  private async refreshClaimed(
    account: RefreshableAccount,
    lease: Lease,
    result: RefreshSweepResult,
    answered: () => void,
  ): Promise<void> {
    try {
      const outcome = await this.refresher.refresh(account, lease, answered);
      if (outcome.kind === 'refreshed') result.refreshed++;
      else result.superseded++;
    } catch (err) {
      if (err instanceof AtlassianReauthRequiredError) result.reauthRequired++;
      else result.failed++;
    }
  }
}
