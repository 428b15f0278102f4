import { AtlassianTokenService } from '../src/index.js';
import { bootTokenApp } from '../test/fixtures/token-worker.js';
import { openAccountsDatabase, seedAccounts } from '../test/support/seed-accounts.js';
import { onStage, type BenchDatabase, type BenchStage } from './support/bench-setup.js';
import { count, figure, heading, note, ratio } from './support/report.js';

const MEASURE_MS = 1_000;
/** Per caller. */
const WARM_UP_CALLS = 200;
const CONCURRENT_CALLERS = 16;

/** getAccessToken on a valid token: served from memory vs read from the database and decrypted. */
export async function getAccessTokenBenchmark(): Promise<void> {
  heading(
    'getAccessToken (valid token): calls per second, cached vs from the database with decryption (cacheTtlMs: 0)',
  );
  note(
    `In this process; each figure is ${MEASURE_MS} ms of calls on one account, by 1 caller awaiting each call, then by ${CONCURRENT_CALLERS} concurrent callers.`,
  );
  await onStage(async (stage) => {
    await measureOn(stage, 'sqlite', stage.sqliteDatabase());
    await measureOn(stage, 'postgres', await stage.postgresDatabase());
  });
}

async function measureOn(stage: BenchStage, label: string, database: BenchDatabase): Promise<void> {
  const dataSource = await openAccountsDatabase(database);
  const now = Date.now();
  const [account] = await seedAccounts(dataSource, stage.emulator, {
    count: 1,
    encryptionKey: stage.encryptionKey,
    clientId: stage.clientId,
    accessTokenExpiresAt: new Date(now + 3600_000),
    lastRefreshedAt: new Date(now),
    consentedAt: new Date(now),
  });
  await dataSource.destroy();
  for (const callers of [1, CONCURRENT_CALLERS]) {
    const cached = await callsPerSecond(stage.spec(database), account.id, callers);
    const fromDatabase = await callsPerSecond(
      stage.spec(database, { tokens: { cacheTtlMs: 0 } }),
      account.id,
      callers,
    );
    figure(
      `${label}, ${callers} caller${callers > 1 ? 's' : ''}: cached`,
      `${count(cached)} calls/s`,
      `from database + decrypt: ${count(fromDatabase)} calls/s (cache ${ratio(cached / fromDatabase)} faster)`,
    );
  }
  if (stage.emulator.count('token') !== 0)
    throw new Error('a valid token was refreshed during the benchmark');
}

async function callsPerSecond(
  spec: ReturnType<BenchStage['spec']>,
  accountId: string,
  callers: number,
): Promise<number> {
  const app = await bootTokenApp(spec);
  try {
    const tokens = app.get(AtlassianTokenService);
    // By as many callers as are measured: the pool holds as many connections as they use before the clock starts.
    await Promise.all(
      Array.from({ length: callers }, async () => {
        for (let i = 0; i < WARM_UP_CALLS; i++) await tokens.getAccessToken({ accountId });
      }),
    );
    let calls = 0;
    const startedAt = performance.now();
    const endAt = startedAt + MEASURE_MS;
    const caller = async () => {
      while (performance.now() < endAt) {
        await tokens.getAccessToken({ accountId });
        calls++;
      }
    };
    await Promise.all(Array.from({ length: callers }, caller));
    return (calls * 1_000) / (performance.now() - startedAt);
  } finally {
    await app.close();
  }
}
