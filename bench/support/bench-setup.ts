import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { EncryptionKeyInput } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import type { TokenAppSpec } from '../../test/fixtures/token-worker.js';
import { startPostgresServer, type PostgresServer } from '../../test/support/postgres-server.js';
import { newEncryptionKey } from '../../test/support/seed-accounts.js';

/** A database a benchmark creates for itself. */
export type BenchDatabase = TokenAppSpec['database'];

const CLIENT = { clientId: 'bench-client', clientSecret: 'bench-secret' };

/** What a benchmark starts: an emulator in real time (the apps' clock), PostgreSQL on demand, temp SQLite files. */
export class BenchStage {
  readonly encryptionKey: EncryptionKeyInput = newEncryptionKey('bench');
  readonly clientId = CLIENT.clientId;
  private postgres: Promise<PostgresServer> | undefined;
  private readonly sqliteDirs: string[] = [];

  private constructor(readonly emulator: AtlassianEmulator) {}

  static async start(): Promise<BenchStage> {
    const emulator = await AtlassianEmulator.start({ realTimeClock: true });
    emulator.registerClient({
      ...CLIENT,
      redirectUris: ['http://127.0.0.1:3000/auth/atlassian/callback'],
    });
    return new BenchStage(emulator);
  }

  /** A new database on this stage's PostgreSQL server (started on first use). */
  async postgresDatabase(poolSize?: number): Promise<BenchDatabase> {
    this.postgres ??= startPostgresServer();
    const url = await (
      await this.postgres
    ).createDatabase(`bench_${randomBytes(4).toString('hex')}`);
    return { type: 'postgres', url, ...(poolSize ? { poolSize } : {}) };
  }

  /** A new SQLite file in a temporary folder. */
  sqliteDatabase(): BenchDatabase {
    const dir = mkdtempSync(join(tmpdir(), 'nestjs-atlassian-bench-'));
    this.sqliteDirs.push(dir);
    return { type: 'better-sqlite3', database: join(dir, 'bench.sqlite') };
  }

  /** The app settings for `database`, wired to this stage's emulator and key. */
  spec(database: BenchDatabase, overrides: Partial<TokenAppSpec> = {}): TokenAppSpec {
    return {
      database,
      emulatorUrl: this.emulator.url,
      ...CLIENT,
      encryptionKey: this.encryptionKey,
      ...overrides,
    };
  }

  async stop(): Promise<void> {
    await this.emulator.stop();
    if (this.postgres) await (await this.postgres).stop();
    for (const dir of this.sqliteDirs) rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs `work` on a fresh stage and always stops it. */
export async function onStage<T>(work: (stage: BenchStage) => Promise<T>): Promise<T> {
  const stage = await BenchStage.start();
  try {
    return await work(stage);
  } finally {
    await stage.stop();
  }
}
