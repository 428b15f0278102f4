import { setTimeout as sleep } from 'node:timers/promises';
import { checkRun, type RunRecord } from './lifecycle-property-oracle.js';
import {
  ACCOUNT_COUNT,
  WORKER_COUNT,
  describeSchedule,
  type Action,
  type Step,
} from './lifecycle-property-schedule.js';
import type { PropertySystem } from './lifecycle-property-system.js';

/**
 * Runs a generated schedule against the real system and records what the oracle needs: every person
 * signs in first; then each step's actions start together (each after its offset) and all finish
 * before the rows are read and checked; then the system settles (database back, faults gone, leases
 * lapsed) and each account still linked is forced once and read from every process.
 */

/** Longest a sign-in or forget is retried while the database or a process is down. */
const OWNER_RETRY_MS = 20_000;
const STEP_TIMEOUT_MS = 60_000;

/** A run that broke an invariant: the violations and the schedule that led there. */
export class PropertyViolation extends Error {
  constructor(
    readonly violations: string[],
    /** The steps that ran before the violation was seen (later steps never ran). */
    readonly executed: Step[],
    at: string,
  ) {
    super(
      `${violations.length} invariant violation(s) ${at}:\n- ${violations.join('\n- ')}\nschedule that ran:\n${describeSchedule(executed)}`,
    );
    this.name = 'PropertyViolation';
  }
}

export async function runSchedule(
  system: PropertySystem,
  steps: Step[],
  runId: string,
  clockSpreadMs: number,
): Promise<RunRecord> {
  await system.reset();
  const { settings } = system;
  const record: RunRecord = {
    settings: {
      accessTokenTtlMs: settings.accessTokenTtlSeconds * 1000,
      clockSpreadMs,
      storeBudgetMs: settings.storeBudgetMs,
    },
    accountIds: [],
    codes: new Map(),
    ownership: [],
    kills: [],
    outages: [],
    calls: [],
    snapshots: [],
    exchanges: system.exchanges,
  };
  const people = Array.from({ length: ACCOUNT_COUNT }, (_, index) => `${runId}-a${index}`);
  for (const [account, person] of people.entries()) {
    system.emulator.addUser({ accountId: person, name: `Person ${person}` });
    record.accountIds.push(await signInUntilDone(system, record, -1, account, person, false));
  }

  for (const [index, step] of steps.entries()) {
    await runStep(system, record, index, step, people);
    record.snapshots.push({ step: index, rows: await system.rows() });
    const violations = [...system.takeUnexpectedExits(), ...checkRun(record)];
    if (violations.length > 0)
      throw new PropertyViolation(violations, steps.slice(0, index + 1), `after step ${index}`);
  }

  // Settle: nothing injected, nothing in flight, no live lease; then one forced refresh per linked account and a read from every process.
  system.emulator.clearFaults();
  await system.drained();
  await system.leasesLapsed(settings.refreshLeaseMs + clockSpreadMs + 3_000, clockSpreadMs);
  const settle = steps.length;
  for (let account = 0; account < ACCOUNT_COUNT; account++) {
    if (record.ownership.filter((event) => event.account === account).at(-1)?.kind === 'forget')
      continue;
    await runAction(
      system,
      record,
      settle,
      { kind: 'force', worker: account % WORKER_COUNT, account, calls: 1, atMs: 0 },
      people,
    );
    for (let worker = 0; worker < WORKER_COUNT; worker++)
      await runAction(
        system,
        record,
        settle,
        { kind: 'get', worker, account, calls: 1, atMs: 0 },
        people,
      );
  }
  await system.drained();
  const rows = (await system.rows()).map((row) => ({
    ...row,
    accessTokenValid:
      row.accessToken !== null && system.emulator.isAccessTokenValid(row.accessToken),
    refreshTokenUses:
      row.refreshToken === null ? 0 : system.emulator.refreshTokenUses(row.refreshToken),
  }));
  record.final = {
    rows,
    emulatorReplays: system.emulator.refreshTokenReplays(),
    emulatorRefreshCalls: system.emulator.count('token', { grantType: 'refresh_token' }),
  };
  const deaths = system.takeUnexpectedExits();
  if (deaths.length > 0) throw new PropertyViolation(deaths, steps, 'while settling');
  return record;
}

async function runStep(
  system: PropertySystem,
  record: RunRecord,
  index: number,
  step: Step,
  people: string[],
): Promise<void> {
  if (step.kind === 'pause') {
    await sleep(step.ms);
    return;
  }
  if (step.slow)
    system.emulator.inject({
      route: 'token',
      match: { grantType: 'refresh_token' },
      delayMs: step.slow.delayMs,
      times: step.slow.times,
    });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) =>
      (timer = setTimeout(
        () => reject(new Error(`step ${index} did not finish within ${STEP_TIMEOUT_MS} ms`)),
        STEP_TIMEOUT_MS,
      )),
  );
  try {
    await Promise.race([
      Promise.all(
        step.actions.map((action) =>
          sleep(action.atMs).then(() => runAction(system, record, index, action, people)),
        ),
      ),
      timeout,
    ]);
  } finally {
    clearTimeout(timer);
    system.emulator.clearFaults();
  }
}

async function runAction(
  system: PropertySystem,
  record: RunRecord,
  step: number,
  action: Action,
  people: string[],
): Promise<void> {
  switch (action.kind) {
    case 'get':
    case 'force': {
      const worker = system.worker(action.worker);
      if (!worker) return;
      const accountId = record.accountIds[action.account];
      const sentAt = Date.now();
      const call = {
        step,
        kind: action.kind,
        worker: action.worker,
        account: action.account,
        sentAt,
      };
      try {
        const { outcomes } = await worker.run({
          kind: action.kind,
          accountId,
          calls: action.calls,
        });
        record.calls.push({ ...call, doneAt: Date.now(), outcomes });
      } catch (err) {
        record.calls.push({
          ...call,
          doneAt: Date.now(),
          outcomes: [],
          failure: (err as Error).message,
        });
      }
      return;
    }
    case 'tick':
      // A tick that meets a dead database or a crash fails; what it did is in the rows and the taps.
      await system
        .worker(action.worker)
        ?.run({ kind: 'sweep' })
        .catch(() => undefined);
      return;
    case 'signIn':
      await signInUntilDone(
        system,
        record,
        step,
        action.account,
        people[action.account],
        action.extraScope,
      );
      return;
    case 'forget':
      await forgetUntilDone(system, record, step, action.account, action.worker);
      return;
    case 'crash': {
      const at = Date.now();
      const incarnation = await system.crash(action.worker);
      if (incarnation !== undefined)
        record.kills.push({ step, tap: `w${action.worker}`, incarnation, at });
      return;
    }
    case 'outage': {
      const from = Date.now();
      await system.outage(action.durationMs);
      record.outages.push({ from, to: Date.now() });
      return;
    }
  }
}

/** A person who meets an error page signs in again, until it works; returns the account's row id. */
async function signInUntilDone(
  system: PropertySystem,
  record: RunRecord,
  step: number,
  account: number,
  person: string,
  extraScope: boolean,
): Promise<string> {
  const deadline = Date.now() + OWNER_RETRY_MS;
  for (;;) {
    const { code, user, failure } = await system.signIn(person, extraScope);
    if (code) record.codes.set(code, account);
    if (user) {
      record.ownership.push({ step, account, kind: 'signIn', code });
      return user.account.id;
    }
    if (Date.now() > deadline)
      throw new Error(`sign-in of a${account} kept failing for ${OWNER_RETRY_MS} ms: ${failure}`);
    await sleep(200);
  }
}

/** The app retries a forget that failed (database down, process gone) until it is done. */
async function forgetUntilDone(
  system: PropertySystem,
  record: RunRecord,
  step: number,
  account: number,
  slot: number,
): Promise<void> {
  const deadline = Date.now() + OWNER_RETRY_MS;
  let last = 'no worker alive';
  for (;;) {
    const worker = system.anyWorker(slot);
    if (worker) {
      const result = await worker
        .run({ kind: 'forget', accountId: record.accountIds[account] })
        .catch((err: Error) => ({ outcome: { errorCode: err.message } }));
      if ('forgotten' in result.outcome) {
        record.ownership.push({ step, account, kind: 'forget' });
        return;
      }
      last = result.outcome.errorCode;
    }
    if (Date.now() > deadline)
      throw new Error(`forget of a${account} kept failing for ${OWNER_RETRY_MS} ms: ${last}`);
    await sleep(200);
  }
}
