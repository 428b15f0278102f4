import { Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** What the last answer asked for an account: nothing, erasure, or a fresh profile. */
export type PersonalDataReportOutcome = 'none' | 'closed' | 'updated';

/**
 * Where one person stands in Atlassian's personal data reporting: one row per Atlassian account id
 * (an Atlassian and a Bitbucket account of the same person share it), when it was last reported and
 * when it is due again. Rows are claimed with a lease (`LeasedRows`), as token refreshes are, so many
 * instances report disjoint batches and a restarted app resumes where the table says.
 */
@Entity('atlassian_personal_data_reports')
@Index('IDX_atlassian_personal_data_reports_due', ['nextReportAt'])
export class PersonalDataReport {
  /** The Atlassian account id reported (never `unknown` or empty). */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  id!: string;

  /** When Atlassian last answered a report of this account, by the module's clock; null: never. */
  @Column({ type: Date, nullable: true })
  lastReportedAt!: Date | null;

  /** When it is due again; null: never reported, due at the next run. */
  @Column({ type: Date, nullable: true })
  nextReportAt!: Date | null;

  /** The cycle period in force for it, in seconds: Atlassian's `Cycle-Period`, or the option's. */
  @Column({ type: 'integer', nullable: true })
  cyclePeriodSeconds!: number | null;

  /** What the last answer asked for it. */
  @Column({ type: 'varchar', length: 16, nullable: true })
  lastOutcome!: PersonalDataReportOutcome | null;

  /** Why the last report or action failed, as a short reason (never a token); null after a success. */
  @Column({ type: 'varchar', length: 255, nullable: true })
  lastError!: string | null;

  /** Instance holding the row (lease id), or null. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /** When the lease lapses, by the database's clock. */
  @Column({ type: Date, nullable: true })
  leaseExpiresAt!: Date | null;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;
}
