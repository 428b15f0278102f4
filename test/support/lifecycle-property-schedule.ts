import fc from 'fast-check';

/**
 * What the property test of the claim protocol generates: a schedule of steps, each a set of actions
 * that start together (each after its own small offset) and are all finished before the next step.
 * Besides plain random steps, the generator writes the races the protocol exists for, widened by a slow
 * token endpoint: a write outside the lease, a database outage, a crash, or another process, each in
 * the middle of a refresh.
 */

/** Worker slots (processes) and accounts of every run. */
export const WORKER_COUNT = 3;
export const ACCOUNT_COUNT = 3;

export type Action =
  /** `calls` concurrent getAccessToken in one worker. */
  | { kind: 'get'; worker: number; account: number; calls: number; atMs: number }
  /** `calls` concurrent forceRefresh in one worker. */
  | { kind: 'force'; worker: number; account: number; calls: number; atMs: number }
  /** One scheduler tick (TokenRefreshScheduler.runOnce) in one worker. */
  | { kind: 'tick'; worker: number; atMs: number }
  /** The account's person signs in again through the app (a new grant); `extraScope` asks for one more scope. */
  | { kind: 'signIn'; account: number; extraScope: boolean; atMs: number }
  /** forgetTokens from one worker. */
  | { kind: 'forget'; worker: number; account: number; atMs: number }
  /** SIGKILL of the worker's process, then a new process in its slot. */
  | { kind: 'crash'; worker: number; atMs: number }
  /** Every session of the database dropped and new ones refused for `durationMs`. */
  | { kind: 'outage'; atMs: number; durationMs: number };

/** The next `times` refresh requests wait `delayMs` at the emulator (then are answered normally). */
export interface SlowRefreshes {
  delayMs: number;
  times: number;
}

export type Step =
  { kind: 'together'; actions: Action[]; slow?: SlowRefreshes } | { kind: 'pause'; ms: number };

/**
 * Bounds that keep the fixed protocol inside its promises: a refresh answered well within the HTTP
 * timeout (a timed-out refresh the provider did rotate is lost, by the protocol's design, like a crash),
 * and an outage shorter than the store budget.
 */
export interface ScheduleBounds {
  maxSlowMs: number;
  minOutageMs: number;
  maxOutageMs: number;
  maxPauseMs: number;
  maxSteps: number;
}

const worker = fc.integer({ min: 0, max: WORKER_COUNT - 1 });
const account = fc.integer({ min: 0, max: ACCOUNT_COUNT - 1 });
const at = (max: number) => fc.integer({ min: 0, max });

/** Drops what one step cannot mean: two sign-ins or forgets of one account, two crashes of one slot, two outages. */
function oneOwnerPerStep(actions: Action[]): Action[] {
  const seen = new Set<string>();
  return actions.filter((action) => {
    const key =
      action.kind === 'signIn' || action.kind === 'forget'
        ? `account:${action.account}`
        : action.kind === 'crash'
          ? `crash:${action.worker}`
          : action.kind === 'outage'
            ? 'outage'
            : undefined;
    if (key === undefined) return true;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function stepArbitrary(bounds: ScheduleBounds): fc.Arbitrary<Step> {
  const slow = (min: number) =>
    fc.record({
      delayMs: fc.integer({ min, max: bounds.maxSlowMs }),
      times: fc.integer({ min: 1, max: 4 }),
    });
  const outage = (atMs: fc.Arbitrary<number>) =>
    fc.record({
      kind: fc.constant('outage' as const),
      atMs,
      durationMs: fc.integer({ min: bounds.minOutageMs, max: bounds.maxOutageMs }),
    });
  const anyAction: fc.Arbitrary<Action> = fc.oneof(
    {
      weight: 4,
      arbitrary: fc.record({
        kind: fc.constant('get' as const),
        worker,
        account,
        calls: fc.integer({ min: 1, max: 4 }),
        atMs: at(400),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant('force' as const),
        worker,
        account,
        calls: fc.integer({ min: 1, max: 2 }),
        atMs: at(400),
      }),
    },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('tick' as const), worker, atMs: at(400) }),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('signIn' as const),
        account,
        extraScope: fc.boolean(),
        atMs: at(400),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('forget' as const),
        worker,
        account,
        atMs: at(400),
      }),
    },
    {
      weight: 1,
      arbitrary: fc.record({ kind: fc.constant('crash' as const), worker, atMs: at(400) }),
    },
    { weight: 1, arbitrary: outage(at(400)) },
  );
  const together = (
    actions: fc.Arbitrary<Action[]>,
    slowRefreshes: fc.Arbitrary<SlowRefreshes | undefined>,
  ): fc.Arbitrary<Step> =>
    fc.record({
      kind: fc.constant('together' as const),
      actions: actions.map(oneOwnerPerStep),
      slow: slowRefreshes,
    });

  const refresher = (w: number, a: number, byTick: boolean): Action =>
    byTick
      ? { kind: 'tick', worker: w, atMs: 0 }
      : { kind: 'force', worker: w, account: a, calls: 1, atMs: 0 };
  // A sign-in or a forget lands while a refresh of the same account waits for the provider's answer.
  const writeDuringRefresh = fc
    .tuple(worker, account, fc.boolean(), fc.boolean(), worker, fc.boolean(), at(120), slow(250))
    .map(([w, a, byTick, forget, forgetter, extraScope, atMs, slowed]): Step => {
      const write: Action = forget
        ? { kind: 'forget', worker: forgetter, account: a, atMs }
        : { kind: 'signIn', account: a, extraScope, atMs };
      return { kind: 'together', actions: [refresher(w, a, byTick), write], slow: slowed };
    });
  // The database goes away after the claim and before the provider's answer, so the rotated pair meets the outage.
  const outageDuringRefresh = fc
    .tuple(
      worker,
      account,
      fc.boolean(),
      fc.integer({ min: 60, max: 150 }),
      fc.integer({ min: bounds.minOutageMs, max: bounds.maxOutageMs }),
      fc.integer({ min: 200, max: 300 }),
    )
    .map(([w, a, byTick, atMs, durationMs, delayMs]): Step => ({
      kind: 'together',
      actions: [refresher(w, a, byTick), { kind: 'outage', atMs, durationMs }],
      slow: { delayMs, times: byTick ? ACCOUNT_COUNT : 1 },
    }));
  // The process holding a claim dies while the provider answers (or before it was asked).
  const crashDuringRefresh = fc
    .tuple(worker, account, at(250), slow(200))
    .map(([w, a, atMs, slowed]): Step => ({
      kind: 'together',
      actions: [refresher(w, a, false), { kind: 'crash', worker: w, atMs }],
      slow: slowed,
    }));
  // Two processes (other clocks, other zones) want the same account refreshed at once: the second
  // forces it, ticks, or asks for a token while the first one's refresh is in flight.
  const twoProcesses = fc
    .tuple(
      fc.uniqueArray(worker, { minLength: 2, maxLength: 2 }),
      account,
      fc.constantFrom('force', 'tick', 'get'),
      at(150),
      slow(150),
    )
    .map(([[first, second], a, kind, atMs, slowed]): Step => {
      const other: Action =
        kind === 'tick'
          ? { kind, worker: second, atMs }
          : { kind, worker: second, account: a, calls: 2, atMs };
      return { kind: 'together', actions: [refresher(first, a, false), other], slow: slowed };
    });

  return fc.oneof(
    {
      weight: 5,
      arbitrary: together(
        fc.array(anyAction, { minLength: 1, maxLength: 4 }),
        fc.option(slow(50), { nil: undefined }),
      ),
    },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('pause' as const),
        ms: fc.integer({ min: 200, max: bounds.maxPauseMs }),
      }),
    },
    { weight: 2, arbitrary: writeDuringRefresh },
    { weight: 1, arbitrary: outageDuringRefresh },
    { weight: 1, arbitrary: crashDuringRefresh },
    { weight: 2, arbitrary: twoProcesses },
  );
}

/** A schedule: the steps of one run. */
export function scheduleArbitrary(bounds: ScheduleBounds): fc.Arbitrary<Step[]> {
  return fc.array(stepArbitrary(bounds), { minLength: 1, maxLength: bounds.maxSteps });
}

/** One line per step, for a counterexample a person can read. */
export function describeSchedule(steps: Step[]): string {
  return steps
    .map((step, index) => {
      if (step.kind === 'pause') return `${index}: pause ${step.ms} ms`;
      const slow = step.slow ? ` [next ${step.slow.times} refreshes +${step.slow.delayMs} ms]` : '';
      return `${index}: ${step.actions.map(describeAction).join(' | ')}${slow}`;
    })
    .join('\n');
}

function describeAction(action: Action): string {
  const when = `@${action.atMs}`;
  switch (action.kind) {
    case 'get':
    case 'force':
      return `${action.kind} a${action.account} on w${action.worker} x${action.calls} ${when}`;
    case 'tick':
    case 'crash':
      return `${action.kind} w${action.worker} ${when}`;
    case 'signIn':
      return `signIn a${action.account}${action.extraScope ? ' +scope' : ''} ${when}`;
    case 'forget':
      return `forget a${action.account} on w${action.worker} ${when}`;
    case 'outage':
      return `outage ${action.durationMs} ms ${when}`;
  }
}
