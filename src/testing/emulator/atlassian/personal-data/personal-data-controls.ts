import type { AtlassianState } from '../atlassian-state.js';
import type {
  EmulatorPersonalDataFailure,
  EmulatorPersonalDataReport,
} from './personal-data-accounts.js';

/** A change to a person's profile that comes with `markUpdated`. */
export interface EmulatorProfileChange {
  name?: string;
  email?: string;
  picture?: string;
}

/**
 * The controls of the personal data reporting endpoint (`AtlassianEmulator.personalData`): close an
 * account or update its personal data at an emulator-clock time, set the `Cycle-Period`, refuse
 * reports, and read every report received.
 */
export class EmulatorPersonalDataControls {
  /** @internal The emulator builds it. */
  constructor(private readonly atlassian: AtlassianState) {}

  /**
   * Close `accountId` at `at` (default: now): from then on reports answer `closed` for it, and its
   * Atlassian grants stop working, as a closed account's would. `keepGrants` leaves them working: for a
   * demo whose only person is the one closed, whose grant must still carry the report that says so
   * (a real app reports with any other user's grant).
   */
  markClosed(
    accountId: string,
    at: Date = this.atlassian.clock.now(),
    options: { keepGrants?: boolean } = {},
  ): void {
    this.atlassian.personalData.markClosed(accountId, at.getTime());
    if (!options.keepGrants && this.atlassian.directory.user(accountId))
      this.atlassian.tokens.revokeAccount(accountId);
  }

  /**
   * Update `accountId`'s personal data at `at` (default: now): reports whose `updatedAt` is older answer
   * `updated`. `change` is applied to the person, so `/me` returns the new data.
   */
  markUpdated(
    accountId: string,
    change: EmulatorProfileChange = {},
    at: Date = this.atlassian.clock.now(),
  ): void {
    this.atlassian.personalData.markUpdated(accountId, at.getTime());
    const user = this.atlassian.directory.user(accountId);
    if (!user) return;
    if (change.name !== undefined) user.name = change.name;
    if (change.email !== undefined) user.email = change.email;
    if (change.picture !== undefined) user.picture = change.picture;
  }

  /** The `Cycle-Period` header of every answer, an ISO 8601 duration such as `P14D`; default `P7D`. */
  setCyclePeriod(period: string): void {
    this.atlassian.personalData.cyclePeriod = period;
  }

  /** Refuse the next `failure.times` (default 1) authenticated reports: a 429 with `Retry-After`, or a failure. */
  failReports(failure: EmulatorPersonalDataFailure): void {
    this.atlassian.personalData.queueFailure(failure);
  }

  /** Every report received so far (refused ones included), oldest first. */
  get reports(): EmulatorPersonalDataReport[] {
    return this.atlassian.personalData.reports();
  }

  /** The account ids of the answered reports (200 or 204), in order, with repeats: one entry per time reported. */
  reportedAccountIds(): string[] {
    return this.reports
      .filter((report) => report.status === 200 || report.status === 204)
      .flatMap((report) => report.accountIds);
  }

  /** Forget the reports received. */
  resetReports(): void {
    this.atlassian.personalData.resetReports();
  }
}
