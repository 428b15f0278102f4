import { openAccountsDatabase } from '../../test/support/seed-accounts.js';
import { startTokenWorkers } from '../../test/support/worker-processes.js';
import type { BenchDatabase, BenchStage } from './bench-setup.js';
import { seedExpiredAccounts } from './sweep-run.js';

/** One sweeping process, swept again and again: how its CPU per refresh falls as V8 compiles. */
export interface WarmUpCurveSettings {
  database: BenchDatabase;
  /** Sweeps in a row, each of `accountsPerStep` accounts seeded expired just before it. */
  steps: number;
  accountsPerStep: number;
  concurrency: number;
  batchSize: number;
  /** Injected on the emulator's token endpoint during each sweep. */
  latencyMs: number;
}

/** What each sweep of the curve cost and did. */
export interface WarmUpCurve {
  /** CPU time of the sweeping process per refresh, in milliseconds, one entry per sweep. */
  cpuPerRefreshMs: number[];
  /** Refreshes each sweep reported (each should be `accountsPerStep`). */
  refreshed: number[];
  /** Refresh tokens presented twice over the whole curve (should be 0). */
  reusedRefreshTokens: number;
}

/**
 * Sweeps `steps` batches of fresh expired accounts in one process, one after the other, and
 * reports the CPU each cost per refresh: the first are paid in V8's interpreter and baseline code,
 * the later ones in optimized code. Where the curve flattens is how long a process takes to warm.
 */
export async function measureWarmUpCurve(
  stage: BenchStage,
  settings: WarmUpCurveSettings,
): Promise<WarmUpCurve> {
  const { emulator } = stage;
  const dataSource = await openAccountsDatabase(settings.database);
  try {
    const spec = stage.spec(settings.database, {
      refreshScheduler: { concurrency: settings.concurrency, batchSize: settings.batchSize },
    });
    const workers = await startTokenWorkers([{ spec }]);
    const [worker] = workers.workers;
    try {
      emulator.resetCalls();
      const cpuPerRefreshMs: number[] = [];
      const refreshed: number[] = [];
      for (let step = 0; step < settings.steps; step += 1) {
        await seedExpiredAccounts(stage, dataSource, settings.accountsPerStep);
        emulator.setLatency('token', settings.latencyMs);
        const { sweep, cpuMs } = await worker!.run({ kind: 'sweep' });
        emulator.setLatency('token', 0);
        cpuPerRefreshMs.push(cpuMs / Math.max(sweep.refreshed, 1));
        refreshed.push(sweep.refreshed);
      }
      return {
        cpuPerRefreshMs,
        refreshed,
        reusedRefreshTokens: emulator.count('token', { refreshTokenReused: true }),
      };
    } finally {
      await workers.close();
    }
  } finally {
    await dataSource.destroy();
  }
}
