import { Injectable } from '@nestjs/common';
import { In, Not, type Repository } from 'typeorm';
import { InjectAtlassianRepository } from '../accounts/atlassian-data-source.js';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { LeasedRows, type DueRows } from '../jobs/leased-rows.js';
import type { Lease } from '../jobs/lease.js';
import { guarded } from '../tokens/account-token.store.js';
import { PersonalDataReport } from './personal-data-report.entity.js';
import { UNKNOWN_ACCOUNT_ID } from './report-accounts.protocol.js';

/** What a report's answer writes back to a row. */
export type ReportedValues = Pick<
  PersonalDataReport,
  'lastReportedAt' | 'nextReportAt' | 'cyclePeriodSeconds' | 'lastOutcome' | 'lastError'
>;

/**
 * Every database read and write of personal data reporting: rows enrolled from the linked accounts,
 * claimed under the one lease mechanism of periodic work, written back fenced by the lease.
 */
@Injectable()
export class PersonalDataReportStore {
  /** The lease machinery of the reporting table. */
  readonly leases: LeasedRows<PersonalDataReport>;

  constructor(
    @InjectAtlassianRepository(PersonalDataReport)
    private readonly reports: Repository<PersonalDataReport>,
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
  ) {
    this.leases = new LeasedRows(reports, { owner: 'leaseOwner', until: 'leaseExpiresAt' });
  }

  /**
   * Adds a row, due at once, for every stored Atlassian account id that has none: one per person
   * (Bitbucket's `account_id` is the Atlassian one), never `unknown` or empty, never a closed account.
   * Safe when instances enrol at the same time: a row already there is left alone.
   */
  enrol(): Promise<void> {
    const escape = (name: string) => this.reports.manager.connection.driver.escape(name);
    const reports = escape(this.reports.metadata.tableName);
    const accounts = escape(this.accounts.metadata.tableName);
    const id = escape('id');
    const accountId = `account.${escape('providerAccountId')}`;
    // Constants only in the SQL text: no placeholders, whose syntax differs between the drivers.
    const sql = `INSERT INTO ${reports} (${id})
      SELECT DISTINCT ${accountId} FROM ${accounts} account
      WHERE account.${escape('status')} <> 'closed'
        AND ${accountId} <> '' AND ${accountId} <> '${UNKNOWN_ACCOUNT_ID}'
        AND NOT EXISTS (SELECT 1 FROM ${reports} report WHERE report.${id} = ${accountId})
      ON CONFLICT DO NOTHING`;
    return guarded('enrolling accounts for personal data reporting', async () => {
      await this.reports.query(sql);
    });
  }

  /** Rows due at `now` (never reported, or due by now), never reported first, then earliest due. */
  due(now: Date): DueRows<PersonalDataReport> {
    return (due) =>
      due
        .where('(due.nextReportAt IS NULL OR due.nextReportAt <= :now)', { now })
        .orderBy('due.nextReportAt', 'ASC', 'NULLS FIRST')
        .addOrderBy('due.id', 'ASC');
  }

  /** The linked accounts (every provider) that carry these Atlassian account ids, closed ones left out. */
  linkedAccounts(atlassianAccountIds: string[]): Promise<LinkedAccount[]> {
    if (atlassianAccountIds.length === 0) return Promise.resolve([]);
    return guarded('reading the accounts to report', () =>
      this.accounts.find({
        where: { providerAccountId: In(atlassianAccountIds), status: Not('closed' as const) },
        order: { createdAt: 'ASC', id: 'ASC' },
      }),
    );
  }

  /** Writes a report's outcome and ends the lease; false when the lease was taken meanwhile. */
  recordReported(id: string, lease: Lease, values: ReportedValues): Promise<boolean> {
    return guarded('recording a personal data report', () =>
      this.leases.writeAndRelease(id, lease, values),
    );
  }

  /** Keeps the row as it was but due at `retryAt`, with the reason; ends the lease. */
  postpone(id: string, lease: Lease, retryAt: Date, reason: string): Promise<boolean> {
    return guarded('postponing a personal data report', () =>
      this.leases.writeAndRelease(id, lease, {
        nextReportAt: retryAt,
        lastError: reason.slice(0, 255),
      }),
    );
  }

  /** Removes a claimed row: nobody holds that person's data any more (closed, or unlinked). */
  async remove(id: string, lease: Lease): Promise<void> {
    await guarded('removing a personal data report', () =>
      this.reports
        .createQueryBuilder()
        .delete()
        .where('id = :id AND "leaseOwner" = :leaseId', { id, leaseId: lease.id })
        .execute(),
    );
  }
}
