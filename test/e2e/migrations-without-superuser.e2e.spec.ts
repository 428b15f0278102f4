import { randomBytes, randomUUID } from 'node:crypto';
import pg from 'pg';
import { DataSource, type MigrationInterface, type QueryRunner } from 'typeorm';
import { inject } from 'vitest';
import { describe, expect, it } from 'vitest';
import {
  CreateAtlassianAccounts1795420000000,
  LinkedAccount,
  atlassianEntities,
  atlassianMigrations,
  useZonedTimestamps,
} from '../../src/index.js';

/** Runs `sql` on the run's PostgreSQL server as its superuser, in database `database` (default: postgres). */
async function asSuperuser(sql: string[], database = 'postgres'): Promise<void> {
  const client = new pg.Client({
    connectionString: inject('postgresUrl').replace(/\/[^/]*$/, `/${database}`),
  });
  await client.connect();
  try {
    for (const statement of sql) await client.query(statement);
  } finally {
    await client.end();
  }
}

/**
 * A database owned by a role that is no superuser and, as on managed PostgreSQL services whose
 * extension allow-list leaves it out, may not create extensions (no CREATE on the database).
 */
async function managedDatabase(): Promise<{ url: string; role: string }> {
  const suffix = randomBytes(5).toString('hex');
  const role = `app_${suffix}`;
  const database = `managed_${suffix}`;
  const password = randomBytes(12).toString('hex');
  await asSuperuser([
    `CREATE ROLE ${role} LOGIN PASSWORD '${password}' NOSUPERUSER NOCREATEDB NOCREATEROLE`,
    `CREATE DATABASE ${database} OWNER ${role}`,
    `REVOKE CREATE ON DATABASE ${database} FROM PUBLIC, ${role}`,
  ]);
  const server = new URL(inject('postgresUrl'));
  return { url: `postgres://${role}:${password}@${server.host}/${database}`, role };
}

function accountsDataSource(url: string, migrations = atlassianMigrations): DataSource {
  return useZonedTimestamps(
    new DataSource({ type: 'postgres', url, entities: atlassianEntities, migrations }),
  );
}

/** An account row without an id: the database's default makes it. */
function newAccount(providerAccountId: string) {
  return {
    userId: 'u',
    provider: 'atlassian' as const,
    providerAccountId,
    scopes: [],
    accessTokenEncrypted: 'x',
    consentedAt: new Date(),
  };
}

async function installedExtensions(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ extname: string }> = await dataSource.query(
    `SELECT extname FROM pg_extension ORDER BY extname`,
  );
  return rows.map((row) => row.extname);
}

async function idDefaults(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ column_default: string }> = await dataSource.query(
    `SELECT column_default FROM information_schema.columns WHERE column_name = 'id' AND table_name IN ('atlassian_linked_accounts', 'atlassian_sites') ORDER BY table_name`,
  );
  return rows.map((row) => row.column_default);
}

/** `CreateAtlassianAccounts1795420000000` as first released: it created uuid-ossp for its id defaults. */
class FirstReleaseCreateAtlassianAccounts implements MigrationInterface {
  name = 'CreateAtlassianAccounts1795420000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`);
    await new CreateAtlassianAccounts1795420000000().up(queryRunner);
    for (const table of ['atlassian_linked_accounts', 'atlassian_sites'])
      await queryRunner.query(
        `ALTER TABLE "${table}" ALTER COLUMN "id" SET DEFAULT uuid_generate_v4()`,
      );
  }

  async down(): Promise<void> {}
}

describe('shipped migrations on PostgreSQL without superuser rights', () => {
  it('run as a role that owns its database but may not create extensions, and its rows get ids', async () => {
    const { url, role } = await managedDatabase();
    const dataSource = accountsDataSource(url);
    await dataSource.initialize();
    try {
      // The restriction is real: what the first release ran is refused to this role.
      await expect(dataSource.query(`CREATE EXTENSION IF NOT EXISTS "uuid-ossp"`)).rejects.toThrow(
        /permission denied/,
      );
      const [{ superuser }] = await dataSource.query(
        `SELECT rolsuper AS superuser FROM pg_roles WHERE rolname = $1`,
        [role],
      );
      expect(superuser).toBe(false);

      expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual(
        atlassianMigrations.map((migration) => new migration().name),
      );
      expect(await installedExtensions(dataSource)).toEqual(['plpgsql']);
      expect(await idDefaults(dataSource)).toEqual(['gen_random_uuid()', 'gen_random_uuid()']);
      const { identifiers } = await dataSource
        .getRepository(LinkedAccount)
        .insert(newAccount('managed'));
      expect(identifiers[0].id).toMatch(/^[0-9a-f-]{36}$/);
    } finally {
      await dataSource.destroy();
    }
  });

  it('move a database the first release migrated off uuid-ossp, keeping its rows', async () => {
    const database = `upgraded_${randomBytes(5).toString('hex')}`;
    await asSuperuser([`CREATE DATABASE ${database}`]);
    const url = inject('postgresUrl').replace(/\/[^/]*$/, `/${database}`);
    const id = randomUUID();

    const before = accountsDataSource(url, [FirstReleaseCreateAtlassianAccounts]);
    await before.initialize();
    try {
      await before.runMigrations();
      // Only the columns the first release had: later columns do not exist yet.
      const row = { ...newAccount('before'), id, version: 1 };
      await before
        .createQueryBuilder()
        .insert()
        .into(LinkedAccount, Object.keys(row))
        .values(row)
        .execute();
      expect(await idDefaults(before)).toEqual(['uuid_generate_v4()', 'uuid_generate_v4()']);
    } finally {
      await before.destroy();
    }

    const after = accountsDataSource(url);
    await after.initialize();
    try {
      // The first migration keeps its name, so it is not run again.
      expect((await after.runMigrations()).map((m) => m.name)).toEqual(
        atlassianMigrations.slice(1).map((migration) => new migration().name),
      );
      expect(await idDefaults(after)).toEqual(['gen_random_uuid()', 'gen_random_uuid()']);
      // Nothing depends on the extension any more: it can go.
      await after.query(`DROP EXTENSION "uuid-ossp"`);
      expect(await after.getRepository(LinkedAccount).findOneByOrFail({ id })).toMatchObject({
        providerAccountId: 'before',
      });
      const { identifiers } = await after.getRepository(LinkedAccount).insert(newAccount('after'));
      expect(identifiers[0].id).toMatch(/^[0-9a-f-]{36}$/);
      // And the schema is what a fresh database gets: `migration:generate` would find nothing.
      const pending = await after.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
    } finally {
      await after.destroy();
    }
  });
});
