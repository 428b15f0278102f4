import type { EmulatorClock } from '../../server/emulator-clock.js';

/** Atlassian's published test account that is always reported as active (no action). */
export const EMULATOR_ACTIVE_TEST_ACCOUNT_ID = '5be24ad8b1653240376955d2';
/** Atlassian's published test account that is always reported as closed. */
export const EMULATOR_CLOSED_TEST_ACCOUNT_ID = '5be24ba3f91c106033269289';

/** Most accounts one report may carry. */
export const REPORT_ACCOUNTS_MAX = 90;

/** What the reporting endpoint asks the app to do about one account. */
export type EmulatorPersonalDataStatus = 'closed' | 'updated';

/** One report the endpoint answered (or refused): the `personalData.reports` log. */
export interface EmulatorPersonalDataReport {
  /** Emulator clock when it arrived. */
  at: Date;
  /** Status answered: 200, 204, or the refusal (400, 401, 429, a failure). */
  status: number;
  /** The account ids the body named, in order (empty when the body could not be read). */
  accountIds: string[];
  /** The Atlassian account whose 3LO token was presented, when it was a live one. */
  callerAccountId?: string;
}

/** A refusal the next reports get instead of an answer: a 429 with `Retry-After`, or a failure. */
export interface EmulatorPersonalDataFailure {
  /** Status to answer, e.g. 429, 500, 503. */
  status: number;
  /** `Retry-After` in seconds (sent only when given). */
  retryAfterSeconds?: number;
  /** How many reports it applies to; default 1. */
  times?: number;
}

/**
 * What Atlassian's personal data reporting knows, in memory: which accounts were closed or had their
 * personal data updated (by the emulator clock), the cycle period it announces, queued refusals, and
 * every report received.
 */
export class PersonalDataAccounts {
  /** The `Cycle-Period` header of every answer (ISO 8601 duration). */
  cyclePeriod = 'P7D';
  private readonly closedAtMs = new Map<string, number>();
  private readonly updatedAtMs = new Map<string, number>();
  private readonly failures: Array<EmulatorPersonalDataFailure & { times: number }> = [];
  private readonly log: EmulatorPersonalDataReport[] = [];

  constructor(private readonly clock: EmulatorClock) {}

  markClosed(accountId: string, atMs: number): void {
    this.closedAtMs.set(accountId, atMs);
  }

  markUpdated(accountId: string, atMs: number): void {
    this.updatedAtMs.set(accountId, atMs);
  }

  /** What to tell the app about `accountId`, whose data it fetched at `updatedAtMs`; undefined: nothing. */
  statusOf(accountId: string, updatedAtMs: number): EmulatorPersonalDataStatus | undefined {
    if (accountId === EMULATOR_CLOSED_TEST_ACCOUNT_ID) return 'closed';
    if (accountId === EMULATOR_ACTIVE_TEST_ACCOUNT_ID) return undefined;
    const now = this.clock.nowMs();
    const closedAt = this.closedAtMs.get(accountId);
    if (closedAt !== undefined && closedAt <= now) return 'closed';
    const updatedAt = this.updatedAtMs.get(accountId);
    if (updatedAt !== undefined && updatedAt <= now && updatedAt > updatedAtMs) return 'updated';
    return undefined;
  }

  queueFailure(failure: EmulatorPersonalDataFailure): void {
    const times = failure.times ?? 1;
    if (!(times > 0)) throw new RangeError(`failReports: times must be > 0, got ${failure.times}`);
    this.failures.push({ ...failure, times });
  }

  /** Takes one use of the first queued refusal, if any. */
  takeFailure(): EmulatorPersonalDataFailure | undefined {
    const failure = this.failures[0];
    if (!failure) return undefined;
    failure.times -= 1;
    if (failure.times <= 0) this.failures.shift();
    return failure;
  }

  record(report: EmulatorPersonalDataReport): void {
    this.log.push(report);
  }

  /** A copy of every report so far, oldest first. */
  reports(): EmulatorPersonalDataReport[] {
    return this.log.map((report) => ({ ...report, accountIds: [...report.accountIds] }));
  }

  resetReports(): void {
    this.log.length = 0;
  }
}
