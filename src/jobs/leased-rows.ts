import type { ObjectLiteral, Repository, SelectQueryBuilder, UpdateQueryBuilder } from 'typeorm';
import { hydrateColumns, type ColumnMetadata } from '../common/hydrated-columns.js';
import { escapedQuery } from '../common/escaped-query.js';
import { merged } from '../common/merged.js';
import { CoalescedWrites } from './coalesced-writes.js';
import { databaseClock, type DatabaseClock } from './database-clock.js';
import { newLease, type Lease } from './lease.js';

/** What an UPDATE of `T` sets: TypeORM's `QueryDeepPartialEntity`, which it exports by name only since 0.3.28. */
type QueryDeepPartialEntity<T extends ObjectLiteral> = Parameters<UpdateQueryBuilder<T>['set']>[0];

/** A grouped fenced write of one shape: the SQL around its VALUES list, and each value's column type. */
interface FencedWriteStatement {
  /** The database types of a row's values: id, lease id, then the columns written. */
  types: string[];
  head: string;
  tail: string;
}

/** The fenced writes of one set of columns, grouped: the columns in the order of each row's values. */
interface GroupedWrite {
  columns: ColumnMetadata[];
  writes: CoalescedWrites<unknown[]>;
}

/** Column types whose values the query builder wraps in SQL (SQLite's JSON): written through it. */
const PLAIN_SQL_EXCLUDED_TYPES = new Set(['json', 'jsonb']);

/** Drivers whose fenced writes are grouped (both read `WITH … UPDATE … FROM … RETURNING`). */
const COALESCING_DRIVERS = new Set<string>(['postgres', 'better-sqlite3']);

/** Parameters of one grouped write, well under SQLite's 32,766 and PostgreSQL's 65,535. */
const MAX_PARAMETERS = 2_000;

/**
 * Grouped writes of one shape in the database at once, per process: what arrives while one runs goes
 * in the next. With two, a sweep of 10,000 sent about 2,700 statements of 3 to 4 rows (each parsed,
 * planned and committed), and PostgreSQL spent 10 to 25% more CPU than with one, which sends about
 * 1,800; a stored pair waits at most one statement longer, after its slot is already free.
 */
const STATEMENTS_PER_SHAPE = 1;

/** The two columns that hold a row's lease. */
export interface LeaseColumns<T> {
  /** Who holds the lease: the lease id, or null. */
  owner: keyof T & string;
  /** When it lapses, by the database's clock. */
  until: keyof T & string;
}

/** A claim built once ({@link LeasedRows.prepareClaim}); `R` is what each claimed row holds. */
export interface ClaimStatement<R> {
  /** `UPDATE … RETURNING`, with named parameters: the job's, `:claimLeaseId` and `:claimLimit`. */
  readonly sql: string;
  /** Values the query builder bound, by name; a claim's own values take precedence. */
  readonly parameters: ObjectLiteral;
  readonly returned: readonly ColumnMetadata[];
  readonly durationMs: number;
  /** Never set: carries `R`. */
  readonly row?: R;
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
  /** Each set of columns written (keys joined by newlines): its grouped write, or null for the query builder's. */
  private readonly writeShapes = new Map<string, GroupedWrite | null>();

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

  /**
   * Claims up to `limit` due rows and returns exactly those, in one statement (`UPDATE … RETURNING`,
   * on PostgreSQL and SQLite alike): with `columns`, only those (and the id); otherwise every default
   * column and the hidden ones. Claimed rows wait for their turn, often across a young-generation GC:
   * what they hold is promoted, so a job reads no more than its work needs. A job that claims many
   * times a tick prepares its statement once instead ({@link prepareClaim}).
   */
  async claimBatch(
    dueRows: DueRows<T>,
    limit: number,
    durationMs: number,
  ): Promise<ClaimedBatch<T>>;
  async claimBatch<K extends keyof T & string>(
    dueRows: DueRows<T>,
    limit: number,
    durationMs: number,
    columns: readonly K[],
  ): Promise<ClaimedBatch<Pick<T, K | 'id'>>>;
  // async: a statement that cannot be built rejects, as a failed claim does, rather than throwing.
  async claimBatch(
    dueRows: DueRows<T>,
    limit: number,
    durationMs: number,
    columns?: ReadonlyArray<keyof T & string>,
  ): Promise<ClaimedBatch<T>> {
    const statement = columns
      ? this.prepareClaim(dueRows, durationMs, columns)
      : this.prepareClaim(dueRows, durationMs);
    return this.claim(statement as ClaimStatement<T>, limit);
  }

  /**
   * The claim statement of `dueRows`, built by the query builder once, for {@link claim}: its
   * parameters are bound by name at each claim (those the builder bound are the defaults).
   *
   * Why: a sweep claims hundreds of times with the same rules, and building the statement took
   * 0.52 ms of CPU a claim over a sweep of 10,000 accounts (1.4 ms in processes that just started);
   * binding a prepared one takes 0.06 ms.
   */
  prepareClaim(dueRows: DueRows<T>, durationMs: number): ClaimStatement<T>;
  prepareClaim<K extends keyof T & string>(
    dueRows: DueRows<T>,
    durationMs: number,
    columns: readonly K[],
  ): ClaimStatement<Pick<T, K | 'id'>>;
  prepareClaim(
    dueRows: DueRows<T>,
    durationMs: number,
    columns?: ReadonlyArray<keyof T & string>,
  ): ClaimStatement<T> {
    const { metadata } = this.repository;
    const { driver, options } = this.repository.manager.connection;
    const due = dueRows(this.repository.createQueryBuilder('due').select('due.id')).andWhere(
      this.leaseFree('due'),
    );
    // LIMIT by hand: the builder writes its limit into the SQL, and the statement serves every limit.
    const lock = options.type === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
    const claim = this.repository
      .createQueryBuilder()
      .update()
      .set(this.leaseValues(() => ':claimLeaseId', durationMs))
      .where(`${this.column('id')} IN (${due.getQuery()} LIMIT :claimLimit${lock})`)
      // Checked again on the row itself: a row another instance claimed meanwhile is left alone.
      .andWhere(this.leaseFree());
    const returned = columns
      ? ['id', ...columns].map((name) => metadata.findColumnWithPropertyName(name)!)
      : metadata.columns.filter(
          (column) =>
            column.isSelect || this.hiddenColumns.some((name) => name === column.propertyName),
        );
    // RETURNING, not a read by lease id afterwards: one statement, and no index on the lease owner
    // to keep up on every claim and release.
    return {
      sql: `${claim.getQuery()} RETURNING ${returned.map((column) => driver.escape(column.databaseName)).join(', ')}`,
      parameters: merged(due.getParameters(), claim.getParameters()),
      returned,
      durationMs,
    };
  }

  /** Claims up to `limit` rows with a prepared statement; `parameters` bind its named parameters. */
  async claim<R>(
    statement: ClaimStatement<R>,
    limit: number,
    parameters: ObjectLiteral = {},
  ): Promise<ClaimedBatch<R>> {
    const { metadata } = this.repository;
    const { driver } = this.repository.manager.connection;
    const lease = newLease(statement.durationMs);
    const [sql, values] = escapedQuery(
      driver,
      statement.sql,
      Object.assign({}, statement.parameters, parameters, {
        claimLeaseId: lease.id,
        claimLimit: limit,
      }),
    );
    const records = await this.records(sql, values);
    const rows = records.map((raw) =>
      hydrateColumns(
        driver,
        statement.returned,
        raw,
        metadata.create(undefined, { fromDeserializer: true }),
      ),
    );
    return { lease, rows: rows as R[] };
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
      .set(this.leaseValues(lease.id, lease.durationMs))
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
    const assignments: Record<string, unknown> = merged(values, {
      [this.columns.owner]: null,
      [this.columns.until]: null,
    });
    const keys = Object.keys(assignments).filter((key) => assignments[key] !== undefined);
    // An SQL expression (a function) is the query builder's to write.
    const grouped =
      this.repository.queryRunner || keys.some((key) => typeof assignments[key] === 'function')
        ? null
        : this.groupedWrite(keys);
    if (!grouped) return this.writeAndReleaseByBuilder(id, lease, assignments);
    const { driver } = this.repository.manager.connection;
    const row = grouped.columns.map((column) =>
      driver.preparePersistentValue(assignments[column.propertyName], column),
    );
    return grouped.writes.write(id, [id, lease.id, ...row]);
  }

  /** The grouped write of the columns `keys` names, made on first use; null when it cannot be plain SQL. */
  private groupedWrite(keys: string[]): GroupedWrite | null {
    const shape = keys.join('\n');
    let grouped = this.writeShapes.get(shape);
    if (grouped === undefined) {
      const columns = this.plainColumns(keys);
      grouped = columns ? { columns, writes: this.coalescedWrites(columns) } : null;
      this.writeShapes.set(shape, grouped);
    }
    return grouped;
  }

  /**
   * The columns `keys` names, when each is a plain column written from a parameter; undefined when one
   * needs more (a relation, a JSON or spatial column) or the driver is neither PostgreSQL nor
   * better-sqlite3: those writes go through the query builder, one by one.
   */
  private plainColumns(keys: string[]): ColumnMetadata[] | undefined {
    const { metadata } = this.repository;
    const { driver, options } = this.repository.manager.connection;
    if (!COALESCING_DRIVERS.has(options.type)) return;
    const columns = [];
    for (const key of keys) {
      const [column, ...more] = metadata.findColumnsWithPropertyPath(key);
      if (!column || more.length > 0 || !column.isUpdate || column.referencedColumn) return;
      if (PLAIN_SQL_EXCLUDED_TYPES.has(String(column.type))) return;
      if (driver.spatialTypes.includes(column.type)) return;
      columns.push(column);
    }
    return columns;
  }

  /** The group commit of the fenced writes that set `columns`. */
  private coalescedWrites(columns: ColumnMetadata[]): CoalescedWrites<unknown[]> {
    const statement = this.fencedWriteStatement(columns);
    return new CoalescedWrites(
      (rows) => this.sendFencedWrites(statement, rows),
      Math.floor(MAX_PARAMETERS / statement.types.length),
      STATEMENTS_PER_SHAPE,
    );
  }

  /**
   * The grouped UPDATE that sets `columns`, around its VALUES list: each row gives the id, the lease
   * id, then the values of `columns`, and is written only while that lease holds it; plain SQL, with
   * the version bumped and the update date set as the query builder does. Built once per shape.
   */
  private fencedWriteStatement(columns: ColumnMetadata[]): FencedWriteStatement {
    const { metadata } = this.repository;
    const { driver } = this.repository.manager.connection;
    const escape = (name: string) => driver.escape(name);
    // Named apart from the table's columns, so no reference is ambiguous in SET, WHERE or RETURNING.
    const names = ['leased_row_id', 'lease_id', ...columns.map((_, index) => `value_${index}`)];
    // PostgreSQL types a VALUES list from its parameters: each is cast to its column's type.
    const types = [
      metadata.primaryColumns[0],
      metadata.findColumnWithPropertyName(this.columns.owner),
      ...columns,
    ].map((column) => (column ? driver.normalizeType(column) : 'text'));
    const set = columns.map(
      (column, index) => `${escape(column.databaseName)} = "batch".${escape(names[index + 2])}`,
    );
    for (const automatic of [metadata.versionColumn, metadata.updateDateColumn]) {
      if (!automatic || columns.includes(automatic)) continue;
      const name = escape(automatic.databaseName);
      set.push(
        automatic === metadata.versionColumn
          ? `${name} = ${name} + 1`
          : `${name} = CURRENT_TIMESTAMP`,
      );
    }
    const table = escape(metadata.tablePath);
    return {
      types,
      head: `WITH "batch" (${names.map(escape).join(', ')}) AS (VALUES `,
      tail:
        `) UPDATE ${table} SET ${set.join(', ')} FROM "batch" ` +
        `WHERE ${table}.${this.column('id')} = "batch"."leased_row_id" ` +
        `AND ${table}.${this.column(this.columns.owner)} = "batch"."lease_id" ` +
        `RETURNING ${table}.${this.column('id')}`,
    };
  }

  /** Sends `statement` for `rows` in one round trip; returns the ids it wrote. */
  private async sendFencedWrites(
    statement: FencedWriteStatement,
    rows: Array<{ row: unknown[] }>,
  ): Promise<Set<string>> {
    const postgres = this.repository.manager.connection.options.type === 'postgres';
    const parameters: unknown[] = [];
    const tuples = rows.map(({ row }) => {
      const placeholders = row.map((value, index) => {
        parameters.push(value);
        return postgres ? `CAST($${parameters.length} AS ${statement.types[index]})` : '?';
      });
      return `(${placeholders.join(', ')})`;
    });
    const written = await this.records(
      statement.head + tuples.join(', ') + statement.tail,
      parameters,
    );
    return new Set(written.map((row) => row.id as string));
  }

  /**
   * The rows a statement returns (`RETURNING`), read the same way on PostgreSQL and SQLite; inside the
   * transaction of a repository bound to one.
   */
  private async records(
    sql: string,
    parameters: unknown[],
  ): Promise<Array<Record<string, unknown>>> {
    const shared = this.repository.queryRunner;
    const runner = shared ?? this.repository.manager.connection.createQueryRunner();
    try {
      const result = await runner.query(sql, parameters, true);
      return result.records as Array<Record<string, unknown>>;
    } finally {
      if (!shared) await runner.release();
    }
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

  /** What a claim sets: the lease owner (a value, or SQL), and a lapse `durationMs` after the database's now. */
  private leaseValues(
    owner: string | (() => string),
    durationMs: number,
  ): QueryDeepPartialEntity<T> {
    return {
      [this.columns.owner]: owner,
      [this.columns.until]: () => this.clock.after(durationMs),
    } as QueryDeepPartialEntity<T>;
  }

  private column(name: string, alias?: string): string {
    const escape = (identifier: string) =>
      this.repository.manager.connection.driver.escape(identifier);
    return alias ? `${escape(alias)}.${escape(name)}` : escape(name);
  }
}
