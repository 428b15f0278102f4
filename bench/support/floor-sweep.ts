import { fork } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { EncryptionKeyInput } from '../../src/index.js';
import { openAccountsDatabase } from '../../test/support/seed-accounts.js';
import type { BenchStage } from './bench-setup.js';
import { profilerArgs, seedExpiredAccounts } from './sweep-run.js';
import { startCpuMeter, type CpuSpent } from './cpu-meter.js';
import { startPostgresWorkMeter, type PostgresWork } from './postgres-work.js';

const FLOOR_SCRIPT = join(dirname(fileURLToPath(import.meta.url)), 'floor-sweep-main.js');

/** What the floor process needs: its database, the emulator's token endpoint and client, the key. */
export interface FloorSweepSettings {
  databaseUrl: string;
  poolSize: number;
  /** Refreshes in flight, and rows per claim (the library claims min(batchSize, concurrency)). */
  concurrency: number;
  /** The library's default proactive window and lease. */
  windowMs: number;
  leaseMs: number;
  tokenUrl: string;
  clientId: string;
  clientSecret: string;
  encryptionKey: { id: string; key: string };
}

/** What the floor process reports. */
export interface FloorSweepResult {
  refreshed: number;
  wallMs: number;
  cpuMs: number;
}

/** What the floor did, seen from the emulator and by the process. */
export interface FloorSweepOutcome extends FloorSweepResult {
  refreshCalls: number;
  reusedRefreshTokens: number;
  /** During the sweep: the emulator's process (this one) and the whole machine. */
  spent: CpuSpent;
  postgresWork: PostgresWork;
}

/** Seeds `accounts` expired accounts in a new database and sweeps them once in the floor process. */
export async function runFloorSweep(
  stage: BenchStage,
  settings: { accounts: number; concurrency: number; latencyMs: number; poolSize: number },
): Promise<FloorSweepOutcome> {
  const { emulator } = stage;
  const database = await stage.postgresDatabase(settings.poolSize);
  if (database.type !== 'postgres') throw new Error('the floor runs on PostgreSQL');
  const dataSource = await openAccountsDatabase(database);
  try {
    await seedExpiredAccounts(stage, dataSource, settings.accounts);
  } finally {
    await dataSource.destroy();
  }
  const spec = stage.spec(database);
  const key = stage.encryptionKey as Exclude<EncryptionKeyInput, string>;
  const child = fork(FLOOR_SCRIPT, [], {
    execArgv: profilerArgs('floor') ?? [],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const nextMessage = <T>() =>
    Promise.race([
      new Promise<T>((resolve) => child.once('message', resolve)),
      exited.then((code): never => {
        throw new Error(`the floor process exited (code ${code}) before it answered`);
      }),
    ]);
  try {
    const floorSettings: FloorSweepSettings = {
      databaseUrl: database.url,
      poolSize: settings.poolSize,
      concurrency: settings.concurrency,
      windowMs: 600_000,
      // The library's default lease: httpTimeoutMs + storeBudgetMs + 5 s.
      leaseMs: 255_000,
      tokenUrl: `${spec.emulatorUrl}/oauth/token`,
      clientId: spec.clientId,
      clientSecret: spec.clientSecret,
      encryptionKey: { id: key.id, key: String(key.key) },
    };
    child.send(floorSettings);
    await nextMessage();
    emulator.resetCalls();
    emulator.setLatency('token', settings.latencyMs);
    const postgresMeter = await startPostgresWorkMeter(database.url);
    const cpuMeter = startCpuMeter();
    child.send('go');
    const result = await nextMessage<FloorSweepResult>();
    const spent = cpuMeter();
    const postgresWork = await postgresMeter();
    emulator.setLatency('token', 0);
    // It closes its pool and exits by itself once it has reported.
    await exited;
    return {
      ...result,
      spent,
      postgresWork,
      refreshCalls: emulator.count('token', { grantType: 'refresh_token' }),
      reusedRefreshTokens: emulator.count('token', { refreshTokenReused: true }),
    };
  } finally {
    if (child.exitCode === null && child.signalCode === null) child.kill();
    await exited;
  }
}
