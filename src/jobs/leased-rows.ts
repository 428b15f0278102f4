import type { ObjectLiteral, Repository, SelectQueryBuilder, UpdateQueryBuilder } from 'typeorm';
import { databaseClock, type DatabaseClock } from './database-clock.js';
import { newLease, type Lease } from './lease.js';

/** What an UPDATE of `T` sets: TypeORM's `QueryDeepPartialEntity`, which it exports by name only since 0.3.28. */
type QueryDeepPartialEntity<T extends ObjectLiteral> = Parameters<UpdateQueryBuilder<T>['set']>[0];

/** The two columns that hold a row's lease. */
export interface LeaseColumns<T> {
  /** Who holds the lease: the lease id, or null. */
  owner: keyof T & string;
  /** When it lapses, by the database's clock. */
  until: keyof T & string;
}

/** Rows claimed by one statement, and the lease they were claimed under. */
export interface ClaimedBatch<T> {
  lease: Lease;
  rows: T[];
}

/** Narrows a sub-select (alias `due`) of the entity to the due rows, in the order they should be taken. */
export type DueRows<T extends ObjectLiteral> = (
  due: SelectQueryBuilder<T>,
) => SelectQueryBuilder<T>;

/**
 * The one mechanism of periodic and on-demand work on rows: claim with a lease in one statement,
 * work on exactly what was claimed, write back fenced by the lease. Leases are judged by the
 * database's clock only. On PostgreSQL a batch claim skips rows another instance is claiming
 * (`FOR UPDATE SKIP LOCKED`), so instances take disjoint batches instead of queueing on locks.
 */
export class LeasedRows<T extends ObjectLiteral & { id: string }> {
  private readonly clock: DatabaseClock;

  constructor(
    private readonly repository: Repository<T>,
    private readonly columns: LeaseColumns<T>,
    /** Columns not selected by default that the work needs (e.g. ciphertexts). */
    private readonly hiddenColumns: Array<keyof T & string> = [],
  ) {
    this.clock = databaseClock(repository.manager.connection);
  }

  /** SQL: the row (of `alias`, or the updated table) has no live lease by the database's clock. */
  leaseFree(alias?: string): string {
    const until = this.column(this.columns.until, alias);
    return `(${until} IS NULL OR ${until} <= ${this.clock.now})`;
  }

  /** Claims up to `limit` due rows in one statement and returns exactly those, with their hidden columns. */
  async claimBatch(
    dueRows: DueRows<T>,
    limit: number,
    durationMs: number,
  ): Promise<ClaimedBatch<T>> {
    const due = dueRows(this.repository.createQueryBuilder('due').select('due.id'))
      .andWhere(this.leaseFree('due'))
      .limit(limit);
    if (this.repository.manager.connection.options.type === 'postgres')
      due.setLock('pessimistic_write').setOnLocked('skip_locked');
    const lease = newLease(durationMs);
    await this.repository
      .createQueryBuilder()
      .update()
      .set(this.leaseValues(lease))
      .where(`${this.column('id')} IN (${due.getQuery()})`)
      // Checked again on the row itself: a row another instance claimed meanwhile is left alone.
      .andWhere(this.leaseFree())
      .setParameters(due.getParameters())
      .execute();
    return { lease, rows: await this.heldBy(lease) };
  }

  /** How many rows are due now, claimed or not: the backlog of the job whose `dueRows` this is. */
  countDue(dueRows: DueRows<T>): Promise<number> {
    return dueRows(this.repository.createQueryBuilder('due')).getCount();
  }

  /** Claims one row when `where` (on the updated table, with `params`) holds and its lease is free. */
  async claimOne(
    id: string,
    where: string,
    params: Record<string, unknown>,
    durationMs: number,
  ): Promise<Lease | null> {
    const lease = newLease(durationMs);
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set(this.leaseValues(lease))
      .where(`${this.column('id')} = :leasedRowId`, { leasedRowId: id })
      .andWhere(where, params)
      .andWhere(this.leaseFree())
      .execute();
    return result.affected === 1 ? lease : null;
  }

  /** Writes `values` and ends the lease, only while `lease` still holds the row; false when it was taken. */
  async writeAndRelease(
    id: string,
    lease: Lease,
    values: QueryDeepPartialEntity<T>,
  ): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set({
        ...values,
        [this.columns.owner]: null,
        [this.columns.until]: null,
      } as QueryDeepPartialEntity<T>)
      .where(
        `${this.column('id')} = :leasedRowId AND ${this.column(this.columns.owner)} = :leaseId`,
        { leasedRowId: id, leaseId: lease.id },
      )
      .execute();
    return result.affected === 1;
  }

  /** Values that end whatever lease a row has: for writes outside a lease, which must win over it. */
  noLease(): QueryDeepPartialEntity<T> {
    return {
      [this.columns.owner]: null,
      [this.columns.until]: null,
    } as unknown as QueryDeepPartialEntity<T>;
  }

  private heldBy(lease: Lease): Promise<T[]> {
    return this.repository
      .createQueryBuilder('held')
      .addSelect(this.hiddenColumns.map((name) => `held.${name}`))
      .where(`held.${this.columns.owner} = :leaseId`, { leaseId: lease.id })
      .getMany();
  }

  private leaseValues(lease: Lease): QueryDeepPartialEntity<T> {
    return {
      [this.columns.owner]: lease.id,
      [this.columns.until]: () => this.clock.after(lease.durationMs),
    } as QueryDeepPartialEntity<T>;
  }

  private column(name: string, alias?: string): string {
    const escape = (identifier: string) =>
      this.repository.manager.connection.driver.escape(identifier);
    return alias ? `${escape(alias)}.${escape(name)}` : escape(name);
  }
}
