import type { DataSource } from 'typeorm';
import { TokenRefreshScheduler } from '../src/index.js';
import { DueAccountsQuery } from '../src/tokens/due-accounts.query.js';
import { bootTokenApp } from '../test/fixtures/token-worker.js';
import { openAccountsDatabase, seedAccounts } from '../test/support/seed-accounts.js';
import { onStage, type BenchStage } from './support/bench-setup.js';
import { QueryCapture, type CapturedQuery } from './support/query-capture.js';
import { check, count, duration, figure, heading, note, ratio } from './support/report.js';

const DAY_MS = 24 * 3600_000;
const DUE = 1_000;
const STORED = 100_000;
const WINDOW_SECONDS = 600;
const KEEP_ALIVE_DAYS = 60;
const BATCH_SIZE = 500;
const QUERY_RUNS = 20;
const INDEXES = ['IDX_atlassian_linked_accounts_status_expiry', 'IDX_atlassian_linked_accounts_status_refreshed', 'IDX_atlassian_linked_accounts_status_consented'];

interface TickFigures {
  /** Median of the due-selection queries of one tick's first batch (expiring + idle + consent). */
  selectionMs: number;
  tickMs: number;
  refreshed: number;
  plans: Array<{ name: string; plan: string }>;
}

/** A tick over 100,000 stored accounts of which 1,000 are due, beside a tick over 1,000 accounts all due. */
export async function schedulerTickCostBenchmark(): Promise<void> {
  heading(`scheduler tick cost: ${count(STORED)} stored accounts of which ${count(DUE)} due, vs ${count(DUE)} accounts all due (PostgreSQL)`);
  note('Tick = TokenRefreshScheduler.runOnce(), refreshing the due accounts against the emulator with 0 latency (concurrency 50).');
  note(`Selection = only the due queries (DueAccountsQuery.due for expiring and idle accounts, consentExpiringBy; limit ${BATCH_SIZE}; the claims use the same conditions), median of ${QUERY_RUNS}.`);
  await onStage(async (stage) => {
    const large = await measure(stage, STORED - DUE);
    const small = await measure(stage, 0);
    figure(`due selection, ${count(STORED)} stored`, duration(large.selectionMs), `vs ${duration(small.selectionMs)} with ${count(DUE)} stored: ${ratio(large.selectionMs / small.selectionMs)}`);
    figure(`tick, ${count(STORED)} stored / ${count(DUE)} due`, duration(large.tickMs), `vs ${duration(small.tickMs)} with ${count(DUE)} stored: ${ratio(large.tickMs / small.tickMs)}`);
    figure('accounts refreshed by each tick', `${count(large.refreshed)} / ${count(small.refreshed)}`, check([large.refreshed, small.refreshed], DUE));
    for (const { name, plan } of large.plans) {
      const used = INDEXES.filter((index) => plan.includes(index));
      figure(`EXPLAIN ANALYZE ${name} (${count(STORED)} rows)`, used.length > 0 ? 'index used' : 'NO INDEX', used.join(', '));
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
      stage.spec(database, { refreshScheduler: { windowSeconds: WINDOW_SECONDS, keepAliveAfterDays: KEEP_ALIVE_DAYS, batchSize: BATCH_SIZE, concurrency: 50 } }),
      capture,
    );
    try {
      const due = app.get(DueAccountsQuery, { strict: false });
      const select = () => {
        const at = new Date();
        return Promise.all([
          due.due('expiring', { threshold: new Date(at.getTime() + WINDOW_SECONDS * 1000), tickStartedAt: at, now: at }, BATCH_SIZE),
          due.due('idle', { threshold: new Date(at.getTime() - KEEP_ALIVE_DAYS * DAY_MS), tickStartedAt: at, now: at }, BATCH_SIZE),
          due.consentExpiringBy(new Date(at.getTime() - 351 * DAY_MS), BATCH_SIZE),
        ]);
      };
      await select();
      const runs: number[] = [];
      for (let i = 0; i < QUERY_RUNS; i++) {
        const startedAt = performance.now();
        await select();
        runs.push(performance.now() - startedAt);
      }
      const statements = await capture.during(select);
      const plans = await explain(dataSource, statements);
      const startedAt = performance.now();
      const result = await app.get(TokenRefreshScheduler).runOnce();
      const tickMs = performance.now() - startedAt;
      return { selectionMs: median(runs), tickMs, refreshed: result.refreshed, plans };
    } finally {
      await app.close();
    }
  } finally {
    await dataSource.destroy();
  }
}

/** EXPLAIN ANALYZE of each captured SELECT, with its own parameters. */
async function explain(dataSource: DataSource, statements: CapturedQuery[]): Promise<Array<{ name: string; plan: string }>> {
  const names: Array<[RegExp, string]> = [
    [/"accessTokenExpiresAt" <=/, 'due expiring'],
    [/"lastRefreshedAt" <=/, 'due idle'],
    [/"consentedAt" <=/, 'consentExpiringBy'],
  ];
  const plans: Array<{ name: string; plan: string }> = [];
  for (const { sql, parameters } of statements.filter((s) => s.sql.startsWith('SELECT'))) {
    const name = names.find(([pattern]) => pattern.test(sql))?.[1] ?? 'query';
    const rows: Array<{ 'QUERY PLAN': string }> = await dataSource.query(`EXPLAIN (ANALYZE, COSTS OFF) ${sql}`, parameters);
    plans.push({ name, plan: rows.map((row) => row['QUERY PLAN']).join('\n') });
  }
  return plans;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
