import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import type { Repository } from 'typeorm';
import {
  LinkedAccount,
  type LinkedAccountStatus,
} from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { tokenEndpointsOf } from '../providers/token-endpoints.js';
import { TokenRefreshJob } from '../tokens/token-refresh.job.js';
import { RateLimitBudgets } from '../clients/rate-limits/rate-limit-budgets.js';
import {
  observeAccountCounts,
  observeRateLimitBudgets,
  type AccountCounts,
} from './instruments.js';
import { loadOpenTelemetryApi } from './opentelemetry-api.js';

/** Every status, so that one that empties reports 0 rather than vanishing. */
const STATUSES: Record<LinkedAccountStatus, true> = {
  active: true,
  reauth_required: true,
  revoked: true,
  closed: true,
};

/**
 * Counts read this recently (by the module's clock) answer the next collection too: several
 * readers, or a short export interval, cost one pair of grouped counts, never a query per call.
 */
const COUNTS_REUSE_MS = 10_000;

/**
 * The module's telemetry: loads `@opentelemetry/api` at init (the package records through it from
 * then on), and reports the accounts by status, the refresh backlog and the rate-limit budgets at
 * each collection.
 */
@Injectable()
export class AtlassianTelemetry implements OnModuleInit, BeforeApplicationShutdown {
  private readonly providers: string[];
  private stopObserving: Array<() => void> = [];
  private lastCounts: { atMs: number; counts: Promise<AccountCounts | undefined> } | undefined;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) options: NormalizedAtlassianOptions,
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
    private readonly refreshJob: TokenRefreshJob,
    private readonly clock: AtlassianClock,
    private readonly budgets: RateLimitBudgets,
  ) {
    this.providers = [...tokenEndpointsOf(options).keys()];
  }

  async onModuleInit(): Promise<void> {
    if (await loadOpenTelemetryApi()) {
      this.stopObserving = [
        observeAccountCounts(() => this.counts()),
        observeRateLimitBudgets(() => this.budgets.all()),
      ];
    }
  }

  /** No collection may query a database that is closing. */
  beforeApplicationShutdown(): void {
    for (const stop of this.stopObserving.splice(0)) stop();
  }

  private counts(): Promise<AccountCounts | undefined> {
    const nowMs = this.clock.now().getTime();
    const age = this.lastCounts ? nowMs - this.lastCounts.atMs : Infinity;
    if (!(age >= 0 && age < COUNTS_REUSE_MS))
      this.lastCounts = { atMs: nowMs, counts: this.readCounts() };
    return this.lastCounts!.counts;
  }

  /** Undefined while the database does not answer: a gap in the series, not a false zero. */
  private async readCounts(): Promise<AccountCounts | undefined> {
    try {
      const rows = await this.accounts
        .createQueryBuilder('account')
        .select('account.provider', 'provider')
        .addSelect('account.status', 'status')
        .addSelect('COUNT(*)', 'count')
        .groupBy('account.provider')
        .addGroupBy('account.status')
        .getRawMany<{ provider: string; status: string; count: string | number }>();
      const counts = new Map<string, { provider: string; status: string; count: number }>();
      for (const provider of new Set([...this.providers, ...rows.map((row) => row.provider)]))
        for (const status of Object.keys(STATUSES))
          counts.set(`${provider} ${status}`, { provider, status, count: 0 });
      for (const row of rows)
        counts.set(`${row.provider} ${row.status}`, {
          provider: row.provider,
          status: row.status,
          count: Number(row.count),
        });
      return { byStatus: [...counts.values()], due: await this.refreshJob.countDue() };
    } catch {
      return undefined;
    }
  }
}
