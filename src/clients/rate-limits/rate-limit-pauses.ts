import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectAtlassianRepository } from '../../accounts/atlassian-data-source.js';
import type { Repository } from 'typeorm';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { AtlassianClock } from '../../clock/atlassian-clock.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { SHARED_SCOPES, type CallPauseKeys, type PauseScope } from './pause-scopes.js';
import { RateLimitPause } from './rate-limit-pause.entity.js';

/** A pause in force: until when, and the `RateLimit-Reason` that asked for it. */
export interface ActivePause {
  untilMs: number;
  reason: string;
}

/**
 * The pauses Jira and Confluence asked for. App-wide and site-wide ones are written to the database
 * and read back by every instance at most every `api.pauseSyncMs`, so an instance that did not meet
 * the 429 stops calling too (within that interval); endpoint and issue pauses stay in the process.
 * The database is a help, not a dependency: when it fails, pauses are kept in the process and calls
 * go on.
 */
@Injectable()
export class RateLimitPauses {
  private readonly logger = new Logger('AtlassianRateLimits');
  private readonly pauses = new Map<string, ActivePause>();
  /** Monotonic time of the last read of the shared pauses. */
  private syncedAt = Number.NEGATIVE_INFINITY;
  private syncing: Promise<void> | undefined;
  private databaseFailing = false;

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @InjectAtlassianRepository(RateLimitPause) private readonly table: Repository<RateLimitPause>,
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
  ) {}

  /** True when the shared pauses are older than `api.pauseSyncMs`: {@link sync} before {@link holding}. */
  syncDue(): boolean {
    return performance.now() - this.syncedAt >= this.options.api.pauseSyncMs;
  }

  /**
   * The pause that holds a call with these keys back the longest, if any is in force, as this process
   * knows them (synchronous: most calls meet no pause, and must not pay for one).
   */
  holding(keys: CallPauseKeys): ActivePause | undefined {
    const nowMs = this.clock.now().getTime();
    let longest: ActivePause | undefined;
    for (const key of [keys.app, keys.site, keys.endpoint, keys.issue]) {
      const pause = key === undefined ? undefined : this.pauses.get(key);
      if (pause && pause.untilMs > nowMs && (!longest || pause.untilMs > longest.untilMs))
        longest = pause;
    }
    return longest;
  }

  /** Pauses the call's `scope` until `untilMs` (a later pause of the same scope only extends it). */
  async pause(scope: PauseScope, keys: CallPauseKeys, pause: ActivePause): Promise<void> {
    const key = keys[scope];
    if (key === undefined) return;
    this.extend(key, pause);
    if (SHARED_SCOPES.has(scope)) await this.share(key, pause);
  }

  private extend(key: string, pause: ActivePause): void {
    const known = this.pauses.get(key);
    if (!known || pause.untilMs > known.untilMs) this.pauses.set(key, pause);
  }

  private async share(scope: string, { untilMs, reason }: ActivePause): Promise<void> {
    // Hand-written placeholders: TypeORM 0.3 and 1.x differ in how they expand named parameters.
    const [a, b, c] =
      this.table.manager.connection.options.type === 'postgres'
        ? ['$1', '$2', '$3']
        : ['?', '?', '?'];
    const sql = `INSERT INTO "atlassian_rate_limit_pauses" ("scope", "untilMs", "reason") VALUES (${a}, ${b}, ${c})
       ON CONFLICT ("scope") DO UPDATE SET
         "reason" = CASE WHEN excluded."untilMs" > "atlassian_rate_limit_pauses"."untilMs"
                    THEN excluded."reason" ELSE "atlassian_rate_limit_pauses"."reason" END,
         "untilMs" = CASE WHEN excluded."untilMs" > "atlassian_rate_limit_pauses"."untilMs"
                     THEN excluded."untilMs" ELSE "atlassian_rate_limit_pauses"."untilMs" END`;
    const parameters = [scope, Math.ceil(untilMs), reason.slice(0, 100)];
    await this.guarded('record a pause', () => this.table.query(sql, parameters));
  }

  /** Reads the shared pauses in force; one read at a time. */
  sync(): Promise<void> {
    this.syncing ??= this.guarded('read the shared pauses', async () => {
      const rows: RateLimitPause[] = await this.table
        .createQueryBuilder('pause')
        .where('pause.untilMs > :nowMs', { nowMs: this.clock.now().getTime() })
        .getMany();
      for (const row of rows)
        this.extend(row.scope, { untilMs: Number(row.untilMs), reason: row.reason });
    }).finally(() => {
      this.syncedAt = performance.now();
      this.syncing = undefined;
    });
    return this.syncing;
  }

  /** A database failure is logged once (until it recovers) and otherwise ignored. */
  private async guarded(what: string, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
      if (this.databaseFailing) this.logger.log('Shared rate-limit pauses are reachable again.');
      this.databaseFailing = false;
    } catch (error) {
      if (!this.databaseFailing) {
        this.logger.warn(
          `Could not ${what} in the database (${(error as Error).name}); pauses stay in this process until it answers.`,
        );
      }
      this.databaseFailing = true;
    }
  }
}
