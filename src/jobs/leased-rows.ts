import type { ObjectLiteral, Repository, SelectQueryBuilder, UpdateQueryBuilder } from 'typeorm';
import { databaseClock, type DatabaseClock } from './database-clock.js';
import { newLease, type Lease } from './lease.js';

/** What an UPDATE of `T` sets: TypeORM's `QueryDeepPartialEntity`, which it exports by name only since 0.3.28. */
type QueryDeepPartialEntity<T extends ObjectLiteral> = Parameters<UpdateQueryBuilder<T>['set']>[0];

/** Column types whose values the query builder wraps in SQL (SQLite's JSON): written through it. */
const PLAIN_SQL_EXCLUDED_TYPES = new Set(['json', 'jsonb']);

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
  /** The fenced UPDATE of each set of columns written, built once. */
  private readonly fencedWrites = new Map<string, string>();

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
    const assignments: Record<string, unknown> = {
      ...values,
      [this.columns.owner]: null,
      [this.columns.until]: null,
    };
    const statement = this.fencedWrite(assignments, id, lease.id);
    if (!statement) return this.writeAndReleaseByBuilder(id, lease, assignments);
    // Plain SQL, the same statement the query builder writes: on the refresh path it cost more than the query.
    const { connection } = this.repository.manager;
    const runner = this.repository.queryRunner ?? connection.createQueryRunner();
    try {
      const result = await runner.query(statement.sql, statement.parameters, true);
      return result.affected === 1;
    } finally {
      if (runner !== this.repository.queryRunner) await runner.release();
    }
  }

  /**
   * The fenced UPDATE TypeORM's query builder would send for `assignments` (values made persistent by
   * the driver from the column metadata; the version bumped and the update date set as it does), or
   * undefined when a value needs more than a plain column and a parameter (an SQL expression, a
   * relation, a JSON or spatial column): those go through the builder.
   */
  private fencedWrite(
    assignments: Record<string, unknown>,
    id: string,
    leaseId: string,
  ): { sql: string; parameters: unknown[] } | undefined {
    const { metadata } = this.repository;
    const driver = this.repository.manager.connection.driver;
    const keys = Object.keys(assignments).filter((key) => assignments[key] !== undefined);
    const columns = [];
    for (const key of keys) {
      const [column, ...more] = metadata.findColumnsWithPropertyPath(key);
      const value = assignments[key];
      if (!column || more.length > 0 || !column.isUpdate || column.referencedColumn) return;
      if (typeof value === 'function' || PLAIN_SQL_EXCLUDED_TYPES.has(String(column.type))) return;
      if (driver.spatialTypes.includes(column.type)) return;
      columns.push(column);
    }
    const shape = keys.join('\n');
    let sql = this.fencedWrites.get(shape);
    if (sql === undefined) {
      const postgres = this.repository.manager.connection.options.type === 'postgres';
      const placeholder = (index: number) => (postgres ? `$${index + 1}` : '?');
      const set = columns.map(
        (column, index) => `${driver.escape(column.databaseName)} = ${placeholder(index)}`,
      );
      for (const automatic of [metadata.versionColumn, metadata.updateDateColumn]) {
        if (!automatic || columns.includes(automatic)) continue;
        const name = driver.escape(automatic.databaseName);
        set.push(
          automatic === metadata.versionColumn
            ? `${name} = ${name} + 1`
            : `${name} = CURRENT_TIMESTAMP`,
        );
      }
      sql =
        `UPDATE ${driver.escape(metadata.tablePath)} SET ${set.join(', ')} ` +
        `WHERE ${this.column('id')} = ${placeholder(columns.length)} AND ${this.column(this.columns.owner)} = ${placeholder(columns.length + 1)}`;
      this.fencedWrites.set(shape, sql);
    }
    const parameters: unknown[] = columns.map((column) =>
      driver.preparePersistentValue(assignments[column.propertyName], column),
    );
    parameters.push(id, leaseId);
    return { sql, parameters };
  }

  private async writeAndReleaseByBuilder(
    id: string,
    lease: Lease,
    assignments: Record<string, unknown>,
  ): Promise<boolean> {
    const result = await this.repository
      .createQueryBuilder()
      .update()
      .set(assignments as QueryDeepPartialEntity<T>)
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
