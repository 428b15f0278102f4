import { describe, expect, it } from 'vitest';
import { emulatorRequestReceived } from '../support/emulator-requests.js';
import type { TokenWorker } from '../support/worker-processes.js';
import {
  expectRotatedPairStored,
  rotatedPairProblems,
  sameTokenForAll,
} from '../support/lifecycle-mp-checks.js';
import {
  cleanupsAfterEach,
  startLifecycleScenario,
  type LifecycleScenario,
} from '../support/lifecycle-mp-scenario.js';
import type { SeededAccount } from '../support/seed-accounts.js';

/** Concurrent callers per worker in each burst. */
const CALLS = 20;
/** Bursts on the fresh token after the first one. */
const LATER_BURSTS = 3;
/** The refresh is held this long, so that the other process's callers all find it under way. */
const HOLD_MS = 1_000;
const SKEW_MS = 90_000;
/** httpTimeoutMs (default 10 s) + storeBudgetMs + 5 s: a lease of 45 s, shorter than the skew. */
const SHORT_LEASE_TOKENS = { cacheTtlMs: 0, storeBudgetMs: 30_000 };
const SWEPT_ACCOUNTS = 50;
const ACCESS_TOKEN_TTL_MS = 3600_000;

/**
 * Two worker processes on one PostgreSQL database that disagree about the time: different time zones
 * (instants must be stored with their zone) or clocks 90 s apart (leases must be judged by the
 * database's clock, not by either process's). The provider has no reuse leeway: a refresh token used
 * twice revokes the grant. Every call reads the row (no token cache), so every call judges the
 * instants another process wrote.
 */
describe('the token lifecycle across processes in different time zones (postgres)', () => {
  const addCleanup = cleanupsAfterEach();

  for (const zones of [
    ['UTC', 'Asia/Kolkata'],
    ['America/Los_Angeles', 'Asia/Kolkata'],
  ] as const) {
    it(
      `${zones[0]} and ${zones[1]}: a burst of 2 × ${CALLS} callers on an expired token refreshes once; later bursts on the fresh token never`,
      { timeout: 60_000 },
      async () => {
        const scenario = await startLifecycleScenario(addCleanup);
        const [account] = await scenario.seed(1);
        const { workers } = await scenario.workers(
          ...zones.map((TZ) => ({ spec: scenario.spec, env: { TZ } })),
        );
        await expectZones(workers, zones);

        await expectOneRefreshForEveryone(scenario, workers, account);
      },
    );
  }

  for (const [writerZone, readerZone] of [
    ['Asia/Kolkata', 'UTC'],
    ['UTC', 'Asia/Kolkata'],
  ] as const) {
    it(
      `instants stored by a process in ${writerZone} are the same instants for a process in ${readerZone}, which then never refreshes`,
      { timeout: 60_000 },
      async () => {
        const scenario = await startLifecycleScenario(addCleanup);
        const [account] = await scenario.seed(1);
        const { workers } = await scenario.workers(
          { spec: scenario.spec, env: { TZ: writerZone } },
          { spec: scenario.spec, env: { TZ: readerZone } },
        );
        const [writer, reader] = workers;
        await expectZones(workers, [writerZone, readerZone]);

        const before = Date.now();
        const token = sameTokenForAll(
          [await writer.run({ kind: 'get', accountId: account.id, calls: 1 })],
          1,
        );
        const after = Date.now();
        expect(scenario.emulator.count('token', { grantType: 'refresh_token' })).toBe(1);

        const [written, read] = await Promise.all(
          workers.map(async (worker) =>
            statusOf(await worker.run({ kind: 'status', accountId: account.id })),
          ),
        );
        const row = await expectRotatedPairStored(scenario, account, token);
        for (const seen of [
          read,
          { accessTokenExpiresAt: row.accessTokenExpiresAt, lastRefreshedAt: row.lastRefreshedAt },
        ]) {
          expect(seen.accessTokenExpiresAt?.toISOString()).toBe(
            written.accessTokenExpiresAt?.toISOString(),
          );
          expect(seen.lastRefreshedAt?.toISOString()).toBe(written.lastRefreshedAt?.toISOString());
        }
        // The true instants, not merely the same error in both: an hour after the refresh, by the real clock.
        expect(written.accessTokenExpiresAt!.getTime()).toBeGreaterThanOrEqual(
          before + ACCESS_TOKEN_TTL_MS,
        );
        expect(written.accessTokenExpiresAt!.getTime()).toBeLessThanOrEqual(
          after + ACCESS_TOKEN_TTL_MS,
        );

        const later = await Promise.all([
          reader.run({ kind: 'get', accountId: account.id, calls: CALLS }),
          writer.run({ kind: 'get', accountId: account.id, calls: CALLS }),
        ]);
        expect(sameTokenForAll(later, 2 * CALLS)).toBe(token);
        expect(scenario.emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
        expect(scenario.emulator.refreshTokenReplays()).toBe(0);
      },
    );
  }
});

describe('the token lifecycle across processes whose clocks are 90 s apart (postgres)', () => {
  const addCleanup = cleanupsAfterEach();

  // Which process claims first matters to a lease judged by process clocks: the one ahead sees the
  // lease of the one behind lapse 90 s early. Both orders, with each clock ahead of the database's.
  for (const offsetMs of [SKEW_MS, -SKEW_MS]) {
    const skew = `${offsetMs > 0 ? '+' : '-'}${SKEW_MS / 1000} s`;
    for (const [first, name] of [
      [0, 'the process at 0 claims first'],
      [1, `the process at ${skew} claims first`],
    ] as const) {
      it(
        `clocks 0 and ${skew}, leases of 45 s, ${name}: a burst of 2 × ${CALLS} callers on an expired token refreshes once; later bursts never`,
        { timeout: 60_000 },
        async () => {
          const scenario = await startLifecycleScenario(addCleanup);
          const [account] = await scenario.seed(1);
          const { workers } = await skewedWorkers(scenario, offsetMs);

          await expectOneRefreshForEveryone(scenario, workers, account, first);
        },
      );

      it(
        `clocks 0 and ${skew}, leases of 45 s, ${name}: two schedulers sweeping ${SWEPT_ACCOUNTS} expired accounts refresh each exactly once`,
        { timeout: 60_000 },
        async () => {
          const scenario = await startLifecycleScenario(addCleanup);
          // Expired one second apart: both sweeps take the earliest first, so the second one's first claim
          // meets exactly the rows the first one holds.
          const accounts = [];
          for (let index = 0; index < SWEPT_ACCOUNTS; index++)
            accounts.push(
              ...(await scenario.seed(1, ACCESS_TOKEN_TTL_MS + (SWEPT_ACCOUNTS - index) * 1_000)),
            );
          const { workers } = await skewedWorkers(scenario, offsetMs);
          // Every refresh is held a while: the first sweep's leases are live while the second one claims.
          scenario.emulator.inject({
            route: 'token',
            match: { grantType: 'refresh_token' },
            delayMs: HOLD_MS,
            times: Infinity,
          });

          const held = emulatorRequestReceived(scenario.emulator);
          const firstSweep = workers[first].run({ kind: 'sweep' });
          await held;
          const secondSweep = workers[1 - first].run({ kind: 'sweep' });
          const sweeps = (await Promise.all([firstSweep, secondSweep])).map(
            (result) => result.sweep,
          );

          expect(sweeps.reduce((sum, sweep) => sum + sweep.refreshed, 0)).toBe(SWEPT_ACCOUNTS);
          expect(sweeps.map((sweep) => sweep.refreshed > 0)).toEqual([true, true]);
          expect(
            sweeps.map(({ failed, reauthRequired, superseded }) => ({
              failed,
              reauthRequired,
              superseded,
            })),
          ).toEqual(Array(2).fill({ failed: 0, reauthRequired: 0, superseded: 0 }));
          expect(scenario.emulator.count('token', { grantType: 'refresh_token' })).toBe(
            SWEPT_ACCOUNTS,
          );
          expect(
            scenario.emulator.count('token', { grantType: 'refresh_token', status: 200 }),
          ).toBe(SWEPT_ACCOUNTS);
          expect(scenario.emulator.refreshTokenReplays()).toBe(0);
          expect(await rotatedPairProblems(scenario, accounts)).toEqual([]);
        },
      );
    }
  }
});

/** A worker on the real clock and one `offsetMs` off, both with 45-second leases (shorter than the skew). */
async function skewedWorkers(scenario: LifecycleScenario, offsetMs: number) {
  const spec = { ...scenario.spec, tokens: SHORT_LEASE_TOKENS };
  const group = await scenario.workers({ spec }, { spec: { ...spec, clockOffsetMs: offsetMs } });
  await expectClocksApart(group.workers, offsetMs);
  return group;
}

/**
 * The first burst on the expired token from every worker at once, or from `first` and, once its refresh
 * is under way (held by the emulator), from the others: one refresh, the same new token for all, stored
 * and alive, and every worker reads the same instants. Then more bursts from all of them at once: the
 * same token, no refresh, no replay.
 */
async function expectOneRefreshForEveryone(
  scenario: LifecycleScenario,
  workers: TokenWorker[],
  account: SeededAccount,
  first?: number,
): Promise<void> {
  const { emulator } = scenario;
  emulator.inject({ route: 'token', match: { grantType: 'refresh_token' }, delayMs: HOLD_MS });
  const burstFrom = (worker: TokenWorker) =>
    worker.run({ kind: 'get', accountId: account.id, calls: CALLS });
  const burst = () => Promise.all(workers.map(burstFrom));
  let firstBurst: ReturnType<typeof burst>;
  if (first === undefined) firstBurst = burst();
  else {
    const held = emulatorRequestReceived(emulator);
    const leading = burstFrom(workers[first]);
    await held;
    firstBurst = Promise.all([
      leading,
      ...workers.filter((_, index) => index !== first).map(burstFrom),
    ]);
  }

  const token = sameTokenForAll(await firstBurst, workers.length * CALLS);

  expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
  expect(emulator.refreshTokenReplays()).toBe(0);
  const row = await expectRotatedPairStored(scenario, account, token);
  const statuses = await Promise.all(
    workers.map(async (worker) =>
      statusOf(await worker.run({ kind: 'status', accountId: account.id })),
    ),
  );
  for (const status of statuses) {
    expect(status.accessTokenExpiresAt?.toISOString()).toBe(
      row.accessTokenExpiresAt?.toISOString(),
    );
    expect(status.lastRefreshedAt?.toISOString()).toBe(row.lastRefreshedAt?.toISOString());
  }
  for (let round = 0; round < LATER_BURSTS; round++)
    expect(sameTokenForAll(await burst(), workers.length * CALLS)).toBe(token);
  expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
  expect(emulator.refreshTokenReplays()).toBe(0);
  await expectRotatedPairStored(scenario, account, token);
}

/** Each worker runs in its zone (ICU may answer with a zone's older name), and the zones' offsets differ. */
async function expectZones(workers: TokenWorker[], zones: readonly string[]): Promise<void> {
  const clocks = await Promise.all(workers.map((worker) => worker.run({ kind: 'clock' })));
  const aliases: Record<string, string[]> = {
    'Asia/Kolkata': ['Asia/Kolkata', 'Asia/Calcutta'],
    UTC: ['UTC', 'Etc/UTC'],
  };
  clocks.forEach((clock, index) =>
    expect(aliases[zones[index]] ?? [zones[index]]).toContain(clock.timeZone),
  );
  expect(clocks[0].utcOffsetMinutes).not.toBe(clocks[1].utcOffsetMinutes);
}

/** The second worker's wall clock reads `offsetMs` from the first's (within the time the two readings take). */
async function expectClocksApart(workers: TokenWorker[], offsetMs: number): Promise<void> {
  const started = performance.now();
  const [first, second] = await Promise.all(workers.map((worker) => worker.run({ kind: 'clock' })));
  const slackMs = performance.now() - started;
  expect(Math.abs(second.nowMs - first.nowMs - offsetMs)).toBeLessThanOrEqual(slackMs);
}

function statusOf(result: {
  outcome:
    | { status: { accessTokenExpiresAt: Date | null; lastRefreshedAt: Date | null } }
    | { errorCode: string };
}) {
  if (!('status' in result.outcome))
    throw new Error(`status job failed: ${result.outcome.errorCode}`);
  return result.outcome.status;
}
