import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';

/** The two databases every storage test runs on. */
export type TestDatabaseKind = 'sqlite' | 'postgres';

/** TypeORM connection settings for a fresh, empty database of the given kind. */
export interface TestDatabase {
  kind: TestDatabaseKind;
  /** `better-sqlite3` file path, or `postgres://` URL. */
  location: string;
  typeorm: { type: 'better-sqlite3'; database: string } | { type: 'postgres'; url: string };
}

/** A new SQLite file in a temporary folder, or a new database on the run's PostgreSQL server. */
export async function createTestDatabase(kind: TestDatabaseKind): Promise<TestDatabase> {
  if (kind === 'sqlite') {
    const file = join(mkdtempSync(join(tmpdir(), 'nestjs-atlassian-sqlite-')), 'test.sqlite');
    return { kind, location: file, typeorm: { type: 'better-sqlite3', database: file } };
  }
  const name = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: inject('postgresUrl') });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = inject('postgresUrl').replace(/\/[^/]*$/, `/${name}`);
  return { kind, location: url, typeorm: { type: 'postgres', url } };
}
