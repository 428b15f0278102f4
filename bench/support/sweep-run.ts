import { join } from 'node:path';
import { MoreThanOrEqual, type DataSource } from 'typeorm';
import { LinkedAccount } from '../../src/index.js';
import { openAccountsDatabase, seedAccounts } from '../../test/support/seed-accounts.js';
import { startTokenWorkers } from '../../test/support/worker-processes.js';
import type { BenchDatabase, BenchStage } from './bench-setup.js';
import { startCpuMeter, type CpuSpent } from './cpu-meter.js';
import { startPostgresWorkMeter, type PostgresWork } from './postgres-work.js';

const HOUR_MS = 3600_000;

/** A proactive refresh of many expired accounts by the scheduler, in one or several processes. */
export interface SweepSettings {
  database: BenchDatabase;
  accounts: number;
  processes: number;
  /** Refreshes in flight per process. */
  concurrency: number;
  batchSize: number;
  /** Injected on the emulator's token endpoint. */
  latencyMs: number;
  /** Node flags of the sweeping processes (V8 heap limits). */
  nodeFlags?: string[];
  /**
   * Accounts per process swept first, unmeasured, so that the measured sweep runs on compiled hot
   * paths as a deployed instance does: a fresh process spends about a second of CPU warming up,
   * which four fresh processes on 2 cores pay four times. Default: 0 (a cold start).
   */
  warmUpAccountsPerProcess?: number;
}

/** What the sweep did, seen from the outside (emulator, database) and by the processes. */
export interface SweepOutcome {
  /** From `go` to the last process's result. */
  wallMs: number;
  refreshCalls: number;
  reusedRefreshTokens: number;
  /** Sum of the processes' `refreshed`. */
  refreshed: number;
  /** Accounts each process refreshed: claims are disjoint, so these add up to the accounts. */
  refreshedPerProcess: number[];
  failed: number;
  /** Rows whose lastRefreshedAt moved. */
  rowsRefreshed: number;
  maxRssBytes: number;
  rssAtGoBytes: number;
  /** CPU time of the sweeping processes, summed. */
  cpuMs: number;
  /** During the sweep: the emulator's process (this one) and the whole machine. */
  spent: CpuSpent;
  /** What PostgreSQL wrote during the sweep (undefined on SQLite). */
  postgresWork?: PostgresWork;
}

/**
 * With BENCH_CPU_PROF=<folder>, each sweeping process writes a V8 CPU profile there when it exits
 * (`node --cpu-prof`; summarise it with `node dist/bench/profile-summary.js <file>`), the floor's
 * process in its `floor` subfolder.
 */
export function profilerArgs(subfolder = ''): string[] | undefined {
  const folder = process.env.BENCH_CPU_PROF;
  return folder ? ['--cpu-prof', `--cpu-prof-dir=${join(folder, subfolder)}`] : undefined;
}

/**
 * Seeds `count` accounts whose tokens expired an hour ago (refreshed two hours ago), with statistics
 * as a live table has them.
 */
export async function seedExpiredAccounts(
  stage: BenchStage,
  dataSource: DataSource,
  count: number,
): Promise<void> {
  const seededAt = new Date(Date.now() - 2 * HOUR_MS);
  await seedAccounts(dataSource, stage.emulator, {
    count,
    encryptionKey: stage.encryptionKey,
    clientId: stage.clientId,
    accessTokenExpiresAt: new Date(seededAt.getTime() + HOUR_MS),
    lastRefreshedAt: seededAt,
    consentedAt: seededAt,
  });
  // Autovacuum keeps a live table's statistics; a table loaded a moment ago has none, and the
  // planner then sorts every due row on each claim instead of walking the expiry index.
  if (dataSource.options.type === 'postgres')
    await dataSource.query('ANALYZE "atlassian_linked_accounts"');
}

/**
 * Starts the processes, warms them up when asked, seeds the accounts (already expired), sweeps once in
 * each process at the same moment, and counts.
 */
export async function runSweep(stage: BenchStage, settings: SweepSettings): Promise<SweepOutcome> {
  const { emulator } = stage;
  const dataSource = await openAccountsDatabase(settings.database);
  try {
    const spec = stage.spec(settings.database, {
      refreshScheduler: { concurrency: settings.concurrency, batchSize: settings.batchSize },
    });
    const workers = await startTokenWorkers(
      Array.from({ length: settings.processes }, () => ({
        spec,
        execArgv: [...(settings.nodeFlags ?? []), ...(profilerArgs() ?? [])],
      })),
    );
    // Every process at once (they all booted first: a barrier).
    const sweepEverywhere = () =>
      Promise.all(workers.workers.map((worker) => worker.run({ kind: 'sweep' as const })));
    try {
      const warmUp = (settings.warmUpAccountsPerProcess ?? 0) * settings.processes;
      if (warmUp > 0) {
        await seedExpiredAccounts(stage, dataSource, warmUp);
        await sweepEverywhere();
      }
      await seedExpiredAccounts(stage, dataSource, settings.accounts);
      emulator.resetCalls();
      emulator.setLatency('token', settings.latencyMs);
      const { database } = settings;
      const postgresMeter =
        database.type === 'postgres' ? await startPostgresWorkMeter(database.url) : undefined;
      const sweptFrom = new Date();
      const startedAt = performance.now();
      const cpuMeter = startCpuMeter();
      const results = await sweepEverywhere();
      const spent = cpuMeter();
      const wallMs = performance.now() - startedAt;
      const postgresWork = await postgresMeter?.();
      emulator.setLatency('token', 0);
      const rowsRefreshed = await dataSource
        .getRepository(LinkedAccount)
        .countBy({ lastRefreshedAt: MoreThanOrEqual(sweptFrom) });
      const sum = (pick: (result: (typeof results)[number]) => number) =>
        results.reduce((total, result) => total + pick(result), 0);
      return {
        wallMs,
        refreshCalls: emulator.count('token', { grantType: 'refresh_token' }),
        reusedRefreshTokens: emulator.count('token', { refreshTokenReused: true }),
        refreshed: sum((r) => r.sweep.refreshed),
        refreshedPerProcess: results.map((r) => r.sweep.refreshed),
        failed: sum((r) => r.sweep.failed + r.sweep.reauthRequired),
        rowsRefreshed,
        maxRssBytes: Math.max(...results.map((r) => r.maxRssBytes)),
        rssAtGoBytes: Math.max(...results.map((r) => r.rssAtGoBytes)),
        cpuMs: sum((r) => r.cpuMs),
        spent,
        postgresWork,
      };
    } finally {
      await workers.close();
    }
  } finally {
    await dataSource.destroy();
  }
}
