import { afterEach } from 'vitest';
import type { DataSource } from 'typeorm';
import type { TokenCipher } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import type { TokenAppSpec } from '../fixtures/token-worker.js';
import { createTestDatabase } from './databases.js';
import {
  newEncryptionKey,
  openAccountsDatabase,
  seedAccounts,
  tokenCipherFor,
  type SeededAccount,
} from './seed-accounts.js';
import { startTokenWorkers, type TokenWorkers, type WorkerLaunch } from './worker-processes.js';

const HOUR_MS = 3600_000;
const CLIENT = { clientId: 'lifecycle-mp-client', clientSecret: 'lifecycle-mp-secret' };

/** Registers `cleanup` to run after the current test, last registered first. */
export type AddCleanup = (cleanup: () => Promise<unknown>) => void;

/**
 * Cleanups run after each test of the calling `describe`, in reverse order (workers before the
 * database, the database before its server); one that fails does not skip the others.
 */
export function cleanupsAfterEach(): AddCleanup {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    const outcomes = [];
    for (const cleanup of cleanups.splice(0).reverse())
      outcomes.push(
        await cleanup().then(
          () => undefined,
          (err: unknown) => err,
        ),
      );
    const failure = outcomes.find((outcome) => outcome !== undefined);
    if (failure) throw failure;
  });
  return (cleanup) => cleanups.push(cleanup);
}

/** One emulator, one PostgreSQL database with the package's tables, and the app spec every worker boots. */
export interface LifecycleScenario {
  emulator: AtlassianEmulator;
  /** The parent's own connection (UTC, real clock), for seeding and reading rows. */
  dataSource: DataSource;
  /** Shared by the workers: `cacheTtlMs: 0`, so that every call judges the stored row, never a cached token. */
  spec: TokenAppSpec;
  cipher: TokenCipher;
  /** Seeds `count` accounts whose access token expired `expiredForMs` ago (default an hour; their refresh tokens unused). */
  seed(count: number, expiredForMs?: number): Promise<SeededAccount[]>;
  /** Starts worker processes, closed after the test. */
  workers(...launches: WorkerLaunch[]): Promise<TokenWorkers>;
}

/**
 * The emulator runs in real time, as the workers' clocks do (give or take their offsets), with no
 * refresh token reuse leeway: any second use of a refresh token is refused and revokes the grant.
 * `database` defaults to a fresh database on the run's shared server.
 */
export async function startLifecycleScenario(
  addCleanup: AddCleanup,
  database?: { type: 'postgres'; url: string },
): Promise<LifecycleScenario> {
  const emulator = await AtlassianEmulator.start({ realTimeClock: true, refreshLeewaySeconds: 0 });
  addCleanup(() => emulator.stop());
  emulator.registerClient({
    ...CLIENT,
    redirectUris: ['http://127.0.0.1:3000/auth/atlassian/callback'],
  });
  const connection =
    database ??
    ((await createTestDatabase('postgres')).typeorm as { type: 'postgres'; url: string });
  const dataSource = await openAccountsDatabase(connection);
  addCleanup(() => dataSource.destroy());
  const encryptionKey = newEncryptionKey();
  const spec: TokenAppSpec = {
    database: connection,
    emulatorUrl: emulator.url,
    ...CLIENT,
    encryptionKey,
    tokens: { cacheTtlMs: 0 },
  };
  const seed = (count: number, expiredForMs = HOUR_MS) => {
    const now = Date.now();
    return seedAccounts(dataSource, emulator, {
      count,
      encryptionKey,
      clientId: CLIENT.clientId,
      accessTokenExpiresAt: new Date(now - expiredForMs),
      lastRefreshedAt: new Date(now - 2 * HOUR_MS),
      consentedAt: new Date(now - 2 * HOUR_MS),
    });
  };
  const workers = async (...launches: WorkerLaunch[]) => {
    const group = await startTokenWorkers(launches);
    addCleanup(() => group.close());
    return group;
  };
  return { emulator, dataSource, spec, cipher: tokenCipherFor(encryptionKey), seed, workers };
}
