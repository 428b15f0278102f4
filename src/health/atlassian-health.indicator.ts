import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { HealthIndicatorService, type HealthIndicatorResult } from '@nestjs/terminus';
import type { DataSource } from 'typeorm';
import { ATLASSIAN_DATA_SOURCE } from '../accounts/atlassian-data-source.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { TokenRefreshScheduler } from '../tokens/token-refresh.scheduler.js';
import { checkFailingRefreshes, checkReauthRequired } from './account-health.js';
import { checkDatabase } from './database-health.js';
import type { PartHealth } from './health-check.js';
import { checkScheduler } from './scheduler-health.js';

/**
 * A `@nestjs/terminus` health indicator for `AtlassianModule`: the database answers, the refresh
 * scheduler ticks, and no more accounts than `health.*` allows fail to refresh or wait for a new sign-in.
 * Down says why, in words a person can act on (`message`), with each part's numbers beside it.
 */
@Injectable()
export class AtlassianHealthIndicator {
  constructor(
    private readonly healthIndicatorService: HealthIndicatorService,
    private readonly moduleRef: ModuleRef,
  ) {}

  /** Checks every part; `key` names the result (default `atlassian`). */
  async isHealthy<const Key extends string = 'atlassian'>(
    key: Key = 'atlassian' as Key,
  ): Promise<HealthIndicatorResult<Key>> {
    // Resolved across the app: AtlassianModule may be imported anywhere, with or without isGlobal.
    const find = <T>(token: unknown) => this.moduleRef.get<T>(token as never, { strict: false });
    const options = find<NormalizedAtlassianOptions>(ATLASSIAN_OPTIONS);
    const dataSource = find<DataSource>(ATLASSIAN_DATA_SOURCE);
    const now = find<AtlassianClock>(AtlassianClock).now();
    const database = await checkDatabase(dataSource, options.health.databaseTimeoutMs);
    const scheduler = checkScheduler(
      find<TokenRefreshScheduler>(TokenRefreshScheduler).status(),
      now,
      options.health.maxMissedTicks,
    );
    const parts: Record<string, PartHealth> = { database, scheduler };
    // Counting needs the database: when it does not answer, its reason is the one to read.
    if (database.status === 'up') {
      parts.failingRefreshes = await checkFailingRefreshes(dataSource, options.health);
      parts.reauthRequired = await checkReauthRequired(dataSource, options.health);
    }
    const reasons = Object.values(parts).flatMap((part) =>
      part.status === 'down' && part.reason ? [part.reason] : [],
    );
    const indicator = this.healthIndicatorService.check(key);
    return reasons.length === 0
      ? indicator.up(parts)
      : indicator.down({ message: reasons.join(' '), ...parts });
  }
}
