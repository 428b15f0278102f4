import type { DataSource } from 'typeorm';
import { TokenRefreshScheduler } from '../src/index.js';
import { bootTokenApp } from '../test/fixtures/token-worker.js';
import { openAccountsDatabase, seedAccounts } from '../test/support/seed-accounts.js';
import { onStage, type BenchStage } from './support/bench-setup.js';
import { QueryCapture, type CapturedQuery } from './support/query-capture.js';
import { check, count, duration, figure, heading, note, ratio } from './support/report.js';
import { median } from './support/statistics.js';

const DAY_MS = 24 * 3600_000;
const DUE = 1_000;
const STORED = 100_000;
const WINDOW_SECONDS = 600;
const KEEP_ALIVE_DAYS = 60;
const BATCH_SIZE = 500;
const QUERY_RUNS = 20;
const INDEXES = [
  'IDX_atlassian_linked_accounts_status_expiry',
  'IDX_atlassian_linked_accounts_status_refreshed',
  'IDX_atlassian_linked_accounts_status_consented',
];

interface TickFigures {
  /** Median of the claim statements of one tick's first round (expiring + idle + consent), each rolled back. */
  selectionMs: number;
  tickMs: number;
  refreshed: number;
  plans: Array<{ name: string; plan: string }>;
}

/** A tick over 100,000 stored accounts of which 1,000 are due, beside a tick over 1,000 accounts all due. */
export async function schedulerTickCostBenchmark(): Promise<void> {
  heading(
    `scheduler tick cost: ${count(STORED)} stored accounts of which ${count(DUE)} due, vs ${count(DUE)} accounts all due (PostgreSQL)`,
  );
  note(
    'Tick = TokenRefreshScheduler.runOnce(), refreshing the due accounts against the emulator with 0 latency (concurrency 50).',
  );
  note(
    `Selection = the first claim statements of a tick (expiring, idle, consent warning: UPDATE … WHERE id IN (due sub-select LIMIT n)), each run in a rolled-back transaction, median of ${QUERY_RUNS}.`,
  );
  await onStage(async (stage) => {
    const large = await measure(stage, STORED - DUE);
    const small = await measure(stage, 0);
    figure(
      `due selection, ${count(STORED)} stored`,
      duration(large.selectionMs),
      `vs ${duration(small.selectionMs)} with ${count(DUE)} stored: ${ratio(large.selectionMs / small.selectionMs)}`,
    );
    figure(
      `tick, ${count(STORED)} stored / ${count(DUE)} due`,
      duration(large.tickMs),
      `vs ${duration(small.tickMs)} with ${count(DUE)} stored: ${ratio(large.tickMs / small.tickMs)}`,
    );
    figure(
      'accounts refreshed by each tick',
      `${count(large.refreshed)} / ${count(small.refreshed)}`,
      check([large.refreshed, small.refreshed], DUE),
    );
    for (const { name, plan } of large.plans) {
      const used = INDEXES.filter((index) => plan.includes(index));
      figure(
        `EXPLAIN ANALYZE ${name} (${count(STORED)} rows)`,
        used.length > 0 ? 'index used' : 'NO INDEX',
        used.join(', '),
      );
      note(plan);
    }
  });
}

async function measure(stage: BenchStage, notDue: number): Promise<TickFigures> {
  const database = await stage.postgresDatabase();
  const dataSource = await openAccountsDatabase(database);
  const now = Date.now();
  try {
    // Not due: expires in two hours, refreshed ten minutes ago, consented a month ago.
    if (notDue > 0) {
      await seedAccounts(dataSource, stage.emulator, {
        count: notDue,
        encryptionKey: stage.encryptionKey,
        clientId: stage.clientId,
        accessTokenExpiresAt: new Date(now + 2 * 3600_000),
        lastRefreshedAt: new Date(now - 600_000),
        consentedAt: new Date(now - 30 * DAY_MS),
      });
    }
    await seedAccounts(dataSource, stage.emulator, {
      count: DUE,
      encryptionKey: stage.encryptionKey,
      clientId: stage.clientId,
      accessTokenExpiresAt: new Date(now - 3600_000),
      lastRefreshedAt: new Date(now - 2 * 3600_000),
      consentedAt: new Date(now - 30 * DAY_MS),
    });
    await dataSource.query('ANALYZE atlassian_linked_accounts');
    const capture = new QueryCapture();
    const app = await bootTokenApp(
      stage.spec(database, {
        refreshScheduler: {
          windowSeconds: WINDOW_SECONDS,
          // Every expiring account, as before the usage policy: the figures stay comparable.
          proactiveForUsedWithinMs: 0,
          keepAliveAfterDays: KEEP_ALIVE_DAYS,
          batchSize: BATCH_SIZE,
          concurrency: 50,
        },
      }),
      capture,
    );
    try {
      // The tick's statements, captured once; its first claim of each kind is what "selection" costs.
      const startedAt = performance.now();
      let result: Awaited<ReturnType<TokenRefreshScheduler['runOnce']>> | undefined;
      const statements = await capture.during(
        async () => (result = await app.get(TokenRefreshScheduler).runOnce()),
      );
      const tickMs = performance.now() - startedAt;
      const claims = firstClaims(statements);
      // Make the refreshed accounts due again, so the replayed claims select what the tick's first round did.
      await dataSource.query(
        `UPDATE atlassian_linked_accounts SET "accessTokenExpiresAt" = $1, "lastRefreshedAt" = $2 WHERE "lastRefreshedAt" > $3`,
        [new Date(now - 3600_000), new Date(now - 2 * 3600_000), new Date(now - 60_000)],
      );
      await dataSource.query('ANALYZE atlassian_linked_accounts');
      const runs: number[] = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const begun = performance.now();
        for (const claim of claims) await rolledBack(dataSource, claim.sql, claim.parameters);
        runs.push(performance.now() - begun);
      }
      const plans = await explain(dataSource, claims);
      return { selectionMs: median(runs), tickMs, refreshed: result!.refreshed, plans };
    } finally {
      await app.close();
    }
  } finally {
    await dataSource.destroy();
  }
}

const CLAIM_KINDS: Array<[RegExp, string]> = [
  [/"accessTokenExpiresAt" <=/, 'claim expiring'],
  [/"lastRefreshedAt" <=/, 'claim idle'],
  [/"consentedAt" <=/, 'claim consent warning'],
];

/** The first claim statement of each kind a tick ran. */
function firstClaims(statements: CapturedQuery[]): Array<CapturedQuery & { name: string }> {
  return CLAIM_KINDS.flatMap(([pattern, name]) => {
    const found = statements.find((s) => s.sql.startsWith('UPDATE') && pattern.test(s.sql));
    return found ? [{ ...found, name }] : [];
  });
}

/** Runs a statement and undoes it, so that it can be measured again on the same rows. */
async function rolledBack<T>(
  dataSource: DataSource,
  sql: string,
  parameters: unknown[],
): Promise<T> {
  const runner = dataSource.createQueryRunner();
  await runner.startTransaction();
  try {
    return await runner.query(sql, parameters);
  } finally {
    await runner.rollbackTransaction();
    await runner.release();
  }
}

/** EXPLAIN ANALYZE of each claim, with its own parameters, rolled back. */
async function explain(
  dataSource: DataSource,
  claims: Array<CapturedQuery & { name: string }>,
): Promise<Array<{ name: string; plan: string }>> {
  const plans: Array<{ name: string; plan: string }> = [];
  for (const { sql, parameters, name } of claims) {
    const rows: Array<{ 'QUERY PLAN': string }> = await rolledBack(
      dataSource,
      `EXPLAIN (ANALYZE, COSTS OFF) ${sql}`,
      parameters,
    );
    plans.push({ name, plan: rows.map((row) => row['QUERY PLAN']).join('\n') });
  }
  return plans;
}
