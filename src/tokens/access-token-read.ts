import type { Repository } from 'typeorm';
import type { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import { hydrateColumns, type ColumnMetadata } from '../common/hydrated-columns.js';
import type { TokenTarget } from './token-target.js';

/** What handing out a stored access token needs of an account: never its refresh token. */
export type AccessTokenRow = Pick<
  LinkedAccount,
  | 'id'
  | 'provider'
  | 'status'
  | 'statusReason'
  | 'accessTokenEncrypted'
  | 'accessTokenExpiresAt'
  | 'lastRefreshedAt'
>;

const COLUMNS: Array<keyof AccessTokenRow> = [
  'id',
  'provider',
  'status',
  'statusReason',
  'accessTokenEncrypted',
  'accessTokenExpiresAt',
  'lastRefreshedAt',
];

/**
 * The read of `getAccessToken` when no token is cached: one statement with only the columns above, as
 * plain SQL written once (the query builder cost more than the query on this path). The values are
 * hydrated by the driver from the entity's column metadata, so dates and zones read exactly as the
 * entity reads them, on SQLite and PostgreSQL.
 */
export class AccessTokenRead {
  private readonly byId: string;
  private readonly byUser: string;
  private readonly columns: ColumnMetadata[];

  constructor(private readonly accounts: Repository<LinkedAccount>) {
    const { metadata, manager } = accounts;
    const driver = manager.connection.driver;
    const column = (name: string) => metadata.findColumnWithPropertyName(name)!;
    const q = (name: string) => driver.escape(column(name).databaseName);
    this.columns = COLUMNS.map(column);
    // Hand-written placeholders: TypeORM 0.3 and 1.x differ in how they expand named parameters.
    const [first, second] =
      manager.connection.options.type === 'postgres' ? ['$1', '$2'] : ['?', '?'];
    const select = `SELECT ${this.columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${driver.escape(metadata.tablePath)}`;
    this.byId = `${select} WHERE ${q('id')} = ${first}`;
    // The user's first account of the provider, as the entity read ordered them.
    this.byUser = `${select} WHERE ${q('userId')} = ${first} AND ${q('provider')} = ${second} ORDER BY ${q('createdAt')} ASC, ${q('id')} ASC LIMIT 1`;
  }

  /** The target's row, or null. */
  async load(target: TokenTarget): Promise<AccessTokenRow | null> {
    const rows: Array<Record<string, unknown>> =
      'accountId' in target
        ? await this.accounts.query(this.byId, [target.accountId])
        : await this.accounts.query(this.byUser, [target.userId, target.provider]);
    if (rows.length === 0) return null;
    const { driver } = this.accounts.manager.connection;
    return hydrateColumns(driver, this.columns, rows[0], {}) as AccessTokenRow;
  }
}
