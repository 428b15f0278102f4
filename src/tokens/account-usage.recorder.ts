import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AccountTokenStore } from './account-token.store.js';

/** Ids per UPDATE: far under PostgreSQL's 65,535 parameters and SQLite's 32,766. */
const IDS_PER_UPDATE = 1_000;

/**
 * Which accounts this process used, for the refresh policy (`lastUsedAt`): noted in memory on every
 * token handed out, written in one UPDATE per flush (every `refreshScheduler.usageFlushIntervalMs`
 * and at shutdown), never one write per call. A flush writes the latest use it holds for all of its
 * accounts, so a recorded use is late or early by at most one flush interval: fine for a policy
 * counted in hours. A flush the database refuses keeps its accounts for the next one.
 * @internal
 */
@Injectable()
export class AccountUsageRecorder implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('AccountUsageRecorder');
  private pending = new Set<string>();
  /** Epoch ms of the latest use in `pending`. */
  private latestUseMs = 0;
  private flushing: Promise<void> | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: AccountTokenStore,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(
      () => void this.flush(),
      this.options.refreshScheduler.usageFlushIntervalMs,
    );
    // Never what keeps a process alive: shutdown flushes what is left.
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Notes that the account's access token was taken at `now`. Synchronous, no I/O: the API client's hot path. */
  note(accountId: string, now: Date): void {
    this.pending.add(accountId);
    const ms = now.getTime();
    if (ms > this.latestUseMs) this.latestUseMs = ms;
  }

  /** Writes what was noted since the last flush; joins a flush already running. Never throws. */
  flush(): Promise<void> {
    this.flushing ??= this.write().finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const ids = [...this.pending];
    const usedAtMs = this.latestUseMs;
    this.pending = new Set();
    this.latestUseMs = 0;
    for (let start = 0; start < ids.length; start += IDS_PER_UPDATE) {
      const chunk = ids.slice(start, start + IDS_PER_UPDATE);
      try {
        await this.store.recordUse(chunk, new Date(usedAtMs));
      } catch (err) {
        // Kept for the next flush: the use still happened, and a later write only moves it forward.
        for (const id of ids.slice(start)) this.pending.add(id);
        if (usedAtMs > this.latestUseMs) this.latestUseMs = usedAtMs;
        this.logger.warn(
          `Could not record the use of ${ids.length - start} account(s), kept for the next flush: ${(err as Error).message}`,
        );
        return;
      }
    }
  }
}
