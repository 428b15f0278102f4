import { cpus } from 'node:os';
import { onStage, type BenchStage } from './support/bench-setup.js';
import {
  check,
  count,
  duration,
  figure,
  heading,
  megabytes,
  note,
  ratio,
} from './support/report.js';
import { runFloorSweep } from './support/floor-sweep.js';
import { workPerRefresh } from './support/postgres-work.js';
import { runSweep } from './support/sweep-run.js';
import { machineBusy, restOfMachineMs } from './support/cpu-meter.js';

const ACCOUNTS = 10_000;
const LATENCY_MS = 50;
const CONCURRENCY = 50;
const BATCH_SIZE = 500;
/** Connections per process, as in the multi-process sweep. */
const POOL_SIZE = 20;
/**
 * The V8 limits of the runs after the first, as a process in a 256 MB container would set them. V8
 * sizes its heap by the machine's memory: on this one it lets old space grow to about three times
 * what is live before a full collection, and the young generation (two semi-spaces of 16 MB) is
 * full-sized from boot on. Each run prints its peak beside the CPU that the collector then costs.
 */
const HEAP_LIMITS: string[][] = [
  ['--max-old-space-size=96'],
  ['--max-semi-space-size=4', '--max-old-space-size=96'],
];

/**
 * One scheduler tick over 10,000 expired accounts in one process, against a slow token endpoint, on
 * PostgreSQL. (SQLite's single synchronous writer blocks the event loop on every commit: the same sweep
 * took 8 to 15 times the ideal there, so it is left out.)
 */
export async function refreshSweepBenchmark(): Promise<void> {
  const idealMs = (ACCOUNTS * LATENCY_MS) / CONCURRENCY;
  heading(
    `refresh sweep: ${count(ACCOUNTS)} expired accounts, ${LATENCY_MS} ms token latency, one process, concurrency ${CONCURRENCY}, batch ${BATCH_SIZE}, PostgreSQL`,
  );
  note(
    'TokenRefreshScheduler.runOnce() in its own Node process; the emulator runs in this one, PostgreSQL in its own.',
  );
  const sweep = async (stage: BenchStage, nodeFlags?: string[]) =>
    runSweep(stage, {
      database: await stage.postgresDatabase(POOL_SIZE),
      accounts: ACCOUNTS,
      processes: 1,
      concurrency: CONCURRENCY,
      batchSize: BATCH_SIZE,
      latencyMs: LATENCY_MS,
      nodeFlags,
    });
  // One after another: runs side by side would share the 2 cores.
  const sweepUnderLimits = async (stage: BenchStage) => {
    const runs = [];
    for (const flags of HEAP_LIMITS) runs.push(await sweep(stage, flags));
    return runs;
  };
  const { outcome, floor, limited } = await onStage(async (stage) => ({
    outcome: await sweep(stage),
    floor: await runFloorSweep(stage, {
      accounts: ACCOUNTS,
      concurrency: CONCURRENCY,
      latencyMs: LATENCY_MS,
      poolSize: POOL_SIZE,
    }),
    limited: await sweepUnderLimits(stage),
  }));
  figure(
    'wall time',
    duration(outcome.wallMs),
    `ideal ${duration(idealMs)} (accounts × latency / concurrency): ${ratio(outcome.wallMs / idealMs)} the ideal`,
  );
  figure(
    'CPU time of the sweeping process',
    duration(outcome.cpuMs),
    `${((100 * outcome.cpuMs) / outcome.wallMs).toFixed(0)}% of the wall time (${cpus().length} cores shared with PostgreSQL and the emulator)`,
  );
  figure(
    'CPU during the sweep: emulator / PostgreSQL / the rest',
    `${duration(outcome.spent.thisProcessMs)} / ${duration(outcome.spent.postgresMs)} / ${duration(restOfMachineMs(outcome.spent, outcome.cpuMs))}`,
    machineBusy(outcome.spent, outcome.wallMs),
  );
  figure('refresh calls', count(outcome.refreshCalls), check(outcome.refreshCalls, ACCOUNTS));
  figure(
    'reused refresh tokens',
    count(outcome.reusedRefreshTokens),
    check(outcome.reusedRefreshTokens, 0),
  );
  figure(
    'refreshed (reported) / rows refreshed',
    `${count(outcome.refreshed)} / ${count(outcome.rowsRefreshed)}`,
    `${check([outcome.refreshed, outcome.rowsRefreshed], ACCOUNTS)}; failed ${count(outcome.failed)}`,
  );
  figure(
    'peak RSS of the sweeping process',
    megabytes(outcome.maxRssBytes),
    `${megabytes(outcome.rssAtGoBytes)} after boot, before the sweep`,
  );
  const perRefresh = (cpuMs: number, refreshed: number) => cpuMs / Math.max(refreshed, 1);
  const libraryMs = perRefresh(outcome.cpuMs, outcome.refreshed);
  const floorMs = perRefresh(floor.cpuMs, floor.refreshed);
  figure(
    'CPU per refresh: library / floor',
    `${libraryMs.toFixed(3)} / ${floorMs.toFixed(3)} ms`,
    `${ratio(libraryMs / floorMs)} the floor (hand-written: a batch claim, decrypt, POST, two encryptions, a fenced UPDATE)`,
  );
  figure(
    'PostgreSQL per refresh: write transactions / WAL',
    workPerRefresh(outcome.postgresWork, outcome.refreshed),
    `floor: ${workPerRefresh(floor.postgresWork, floor.refreshed)} (counted by the server: exact, where CPU time moves by a fifth between runs)`,
  );
  figure(
    'floor: wall time / refresh calls / reused / refreshed',
    `${duration(floor.wallMs)} / ${count(floor.refreshCalls)} / ${count(floor.reusedRefreshTokens)} / ${count(floor.refreshed)}`,
    `${ratio(floor.wallMs / idealMs)} the ideal; ${check([floor.refreshCalls, floor.refreshed], ACCOUNTS)}`,
  );
  figure(
    'floor: CPU of its process / emulator / PostgreSQL / the rest',
    `${duration(floor.cpuMs)} / ${duration(floor.spent.thisProcessMs)} / ${duration(floor.spent.postgresMs)} / ${duration(restOfMachineMs(floor.spent, floor.cpuMs))}`,
    machineBusy(floor.spent, floor.wallMs),
  );
  HEAP_LIMITS.forEach((flags, index) => {
    const run = limited[index];
    figure(
      `with ${flags.join(' ')}: peak RSS / wall time`,
      `${megabytes(run.maxRssBytes)} / ${duration(run.wallMs)}`,
      `${megabytes(run.rssAtGoBytes)} after boot; ${ratio(run.wallMs / idealMs)} the ideal, CPU per refresh ${perRefresh(run.cpuMs, run.refreshed).toFixed(3)} ms (${ratio(perRefresh(run.cpuMs, run.refreshed) / libraryMs)} the first run's); ${check([run.refreshCalls, run.rowsRefreshed], ACCOUNTS)}, reused ${count(run.reusedRefreshTokens)}`,
    );
  });
}
