import { Inject, Injectable } from '@nestjs/common';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { Lease } from '../jobs/lease.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { cycleOffsetFraction } from './cycle-period.js';
import { PersonalDataActions } from './personal-data-actions.js';
import type { PersonalDataReport } from './personal-data-report.entity.js';
import { PersonalDataReportStore } from './personal-data-report.store.js';
import { ReportAccountsClient, type ReportAnswer } from './report-accounts.client.js';
import {
  isReportableAccountId,
  type PersonalDataStatus,
  type ReportedAccount,
} from './report-accounts.protocol.js';

/** After a failed report or action the account is tried again this much later (not at once: no loop). */
const RETRY_AFTER_FAILURE_MS = 3600_000;
/** A 429 without `Retry-After` waits this long. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

/** What one run did. */
export interface PersonalDataReportSummary {
  /** Accounts Atlassian answered for (each once per cycle). */
  reported: number;
  /** Of those, the ones reported closed: erased, tokens forgotten. */
  closed: number;
  /** Of those, the ones reported updated: profile fetched again or erased. */
  updated: number;
  /** Accounts whose report or action failed: kept as they were, tried again at a later run. */
  failed: number;
  /** Report requests Atlassian answered. */
  requests: number;
  /** Set when Atlassian answered 429: nothing is reported before then. */
  rateLimitedUntil: Date | null;
}

/** A claimed row and the linked accounts of that person. */
interface ClaimedPerson {
  row: PersonalDataReport;
  accounts: LinkedAccount[];
}

/**
 * The reporting run, a job on the leased-rows mechanism: enrol the stored account ids, then claim due
 * rows a batch at a time (at most 90, one report each), act on the answer and write back fenced by the
 * lease. New accounts are due at once; a reported one is due one cycle later, and its first re-report is
 * moved by a stable per-account offset so that the accounts spread over the cycle.
 */
@Injectable()
export class PersonalDataReportJob {
  /** No report is sent before this (Atlassian's `Retry-After`), in this process. */
  private pausedUntil: Date | null = null;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly store: PersonalDataReportStore,
    private readonly client: ReportAccountsClient,
    private readonly actions: PersonalDataActions,
    private readonly clock: AtlassianClock,
  ) {}

  async run(shouldStop: () => boolean): Promise<PersonalDataReportSummary> {
    const summary: PersonalDataReportSummary = {
      reported: 0,
      closed: 0,
      updated: 0,
      failed: 0,
      requests: 0,
      rateLimitedUntil: null,
    };
    if (this.pausedUntil && this.pausedUntil > this.clock.now()) {
      summary.rateLimitedUntil = this.pausedUntil;
      return summary;
    }
    await this.store.enrol();
    const { batchSize, leaseMs } = this.options.personalDataReporting;
    while (!shouldStop()) {
      const { lease, rows } = await this.store.leases.claimBatch(
        this.store.due(this.clock.now()),
        batchSize,
        leaseMs,
      );
      if (rows.length === 0) break;
      const goOn = await this.reportBatch(rows, lease, summary);
      if (!goOn) break;
    }
    return summary;
  }

  /** Reports one claimed batch and acts on the answer; false when the run should stop. */
  private async reportBatch(
    rows: PersonalDataReport[],
    lease: Lease,
    summary: PersonalDataReportSummary,
  ): Promise<boolean> {
    const people = await this.peopleOf(rows, lease);
    if (people.length === 0) return true;
    const answer = await this.client.report(people.map(reportedAccount));
    if (answer.kind !== 'answered') {
      await this.keepForLater(people, lease, answer, summary);
      return false;
    }
    summary.requests++;
    const now = this.clock.now();
    for (const person of people) {
      const status = answer.statuses.get(person.row.id);
      try {
        await this.act(person, status, lease, answer.cyclePeriodMs, now);
        summary.reported++;
        if (status) summary[status]++;
      } catch (err) {
        summary.failed++;
        await this.store.postpone(
          person.row.id,
          lease,
          new Date(now.getTime() + RETRY_AFTER_FAILURE_MS),
          `${status ?? 'report'}: ${(err as Error).message}`,
        );
      }
    }
    return true;
  }

  /** The claimed rows with their linked accounts; rows nobody's data stands behind any more go. */
  private async peopleOf(rows: PersonalDataReport[], lease: Lease): Promise<ClaimedPerson[]> {
    const accounts = await this.store.linkedAccounts(rows.map((row) => row.id));
    const people: ClaimedPerson[] = [];
    for (const row of rows) {
      const own = accounts.filter((account) => account.providerAccountId === row.id);
      if (own.length === 0 || !isReportableAccountId(row.id))
        await this.store.remove(row.id, lease);
      else people.push({ row, accounts: own });
    }
    return people;
  }

  private async act(
    { row, accounts }: ClaimedPerson,
    status: PersonalDataStatus | undefined,
    lease: Lease,
    headerCycleMs: number | undefined,
    now: Date,
  ): Promise<void> {
    if (status === 'closed') {
      await this.actions.close(row.id, accounts);
      // Nothing of that person is stored any more: nothing to report.
      await this.store.remove(row.id, lease);
      return;
    }
    if (status === 'updated') await this.actions.refresh(row.id, accounts);
    const cycleMs =
      headerCycleMs ??
      (row.cyclePeriodSeconds !== null
        ? row.cyclePeriodSeconds * 1000
        : this.options.personalDataReporting.cyclePeriodMs);
    // The first re-report moves by a stable share of a cycle: the accounts reported together at first
    // (all new ones) spread over the next cycle, and stay spread since each is then one cycle apart.
    const offsetMs =
      row.lastReportedAt === null ? Math.floor(cycleOffsetFraction(row.id) * cycleMs) : 0;
    await this.store.recordReported(row.id, lease, {
      lastReportedAt: now,
      nextReportAt: new Date(now.getTime() + cycleMs + offsetMs),
      cyclePeriodSeconds: Math.round(cycleMs / 1000),
      lastOutcome: status ?? 'none',
      lastError: null,
    });
  }

  /** A report that was not answered: every row stays as it was, due again later; 429 pauses the process. */
  private async keepForLater(
    people: ClaimedPerson[],
    lease: Lease,
    answer: Exclude<ReportAnswer, { kind: 'answered' }>,
    summary: PersonalDataReportSummary,
  ): Promise<void> {
    const nowMs = this.clock.now().getTime();
    let retryAt: Date;
    let reason: string;
    if (answer.kind === 'rate_limited') {
      retryAt = new Date(nowMs + (answer.retryAfterMs ?? DEFAULT_RETRY_AFTER_MS));
      reason = `rate limited (429) until ${retryAt.toISOString()}`;
      this.pausedUntil = retryAt;
      summary.rateLimitedUntil = retryAt;
    } else {
      retryAt = new Date(nowMs + RETRY_AFTER_FAILURE_MS);
      reason = answer.reason;
    }
    summary.failed += people.length;
    for (const { row } of people) await this.store.postpone(row.id, lease, retryAt, reason);
  }
}

/** One person as a report names them: `updatedAt` is the oldest fetch of their data across providers. */
function reportedAccount({ row, accounts }: ClaimedPerson): ReportedAccount {
  const fetchedAtMs = Math.min(
    ...accounts.map((account) => (account.profileFetchedAt ?? account.createdAt).getTime()),
  );
  return { accountId: row.id, updatedAt: new Date(fetchedAtMs).toISOString() };
}
