import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkRun } from '../support/lifecycle-property-oracle.js';
import { PropertyViolation, runSchedule } from '../support/lifecycle-property-runner.js';
import {
  describeSchedule,
  scheduleArbitrary,
  type ScheduleBounds,
} from '../support/lifecycle-property-schedule.js';
import {
  PropertySystem,
  type PropertySettings,
  type WorkerSetup,
} from '../support/lifecycle-property-system.js';

/**
 * Short tokens (refreshes are due all the time: the scheduler's default 600-second window covers every
 * token), small leases, a provider that allows no reuse. The lease must exceed the HTTP timeout plus the
 * store budget; the store budget must outlast an outage.
 */
const SETTINGS: PropertySettings = {
  accessTokenTtlSeconds: 12,
  httpTimeoutMs: 1_500,
  storeBudgetMs: 2_000,
  refreshLeaseMs: 4_000,
  refreshWaitMs: 2_500,
};

/**
 * Three processes in three time zones, clocks 4 s apart end to end: as far apart as a lease is long, so
 * a lease judged by a process's clock is free at once for another; and within the 6-second refresh
 * margin of a 12-second token (half its life), so the fixed protocol still hands out only live tokens.
 */
const WORKERS: WorkerSetup[] = [
  { timeZone: 'UTC', clockOffsetMs: 0 },
  { timeZone: 'Asia/Kolkata', clockOffsetMs: 2_000 },
  { timeZone: 'America/Los_Angeles', clockOffsetMs: -2_000 },
];
const CLOCK_SPREAD_MS = 4_000;

/** A slow answer stays well inside the HTTP timeout; an outage inside the store budget. */
const BOUNDS: ScheduleBounds = {
  maxSlowMs: 400,
  minOutageMs: 1_100,
  maxOutageMs: 1_400,
  maxPauseMs: 6_000,
  maxSteps: 6,
};

const NUM_RUNS = Number(process.env.FC_RUNS ?? 25);
const TIME_LIMIT_MS = Number(process.env.FC_TIME_LIMIT_MS ?? 8 * 60_000);

/**
 * The claim protocol as a property (issue 8): fast-check writes schedules of on-demand calls, scheduler
 * ticks, sign-ins (some asking for one more scope), forgets, crashes and database outages across three
 * processes; each runs against the real system (PostgreSQL, the emulator over HTTP, worker processes,
 * sign-ins through the app), and the oracle (test/support/lifecycle-property-oracle.ts) checks after every
 * step and at the end:
 * - no refresh token is presented twice, except one whose rotation was answered to a process killed
 *   before it stored the new pair (with no reuse leeway that grant is lost by design: only those
 *   replays, and that account until it signs in again, are excused);
 * - an account signed in since it was last forgotten is `active` on its newest grant's tokens and scopes
 *   (never `reauth_required`); at the end its lease is free, its access token live at the provider and
 *   its refresh token unused;
 * - a forgotten account stays `revoked`, without tokens or lease, until it signs in again;
 * - callers get a token of their own account, not past its lifetime, and forceRefresh a token issued
 *   after it was asked (both within the processes' clock spread).
 * FC_SEED, FC_PATH and FC_RUNS replay or widen a run; FC_TIME_LIMIT_MS bounds it, shrinking included.
 */
describe('the claim protocol under random interleavings (postgres, 3 processes)', () => {
  let system: PropertySystem;

  beforeAll(async () => {
    system = await PropertySystem.start(SETTINGS, WORKERS);
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  it(
    'keeps every refresh token single-use, every linked account alive on its newest grant, every forgotten account forgotten',
    async () => {
      let run = 0;
      const property = fc.asyncProperty(scheduleArbitrary(BOUNDS), async (steps) => {
        const record = await runSchedule(system, steps, `r${run++}`, CLOCK_SPREAD_MS);
        const violations = checkRun(record);
        if (violations.length > 0) throw new PropertyViolation(violations, steps, 'at the end');
      });
      const details = await fc.check(property, {
        numRuns: NUM_RUNS,
        ...(process.env.FC_SEED !== undefined && { seed: Number(process.env.FC_SEED) }),
        ...(process.env.FC_PATH !== undefined && { path: process.env.FC_PATH }),
        interruptAfterTimeLimit: TIME_LIMIT_MS,
        includeErrorInReport: true,
        markInterruptAsFailure: false,
      });
      if (details.failed) {
        // Steps after the one whose check failed never ran: the schedule that did is the counterexample.
        const ran =
          details.errorInstance instanceof PropertyViolation
            ? details.errorInstance.executed
            : details.counterexample?.[0];
        const counterexample = ran ? describeSchedule(ran) : '(none)';
        expect.fail(
          `${fc.defaultReportMessage(details)}\nshrunk schedule:\n${counterexample}\n` +
            `replay: FC_SEED=${details.seed} FC_PATH=${details.counterexamplePath} FC_RUNS=${NUM_RUNS}`,
        );
      }
      expect(details.numRuns).toBeGreaterThan(0);
    },
    TIME_LIMIT_MS + 120_000,
  );
});
