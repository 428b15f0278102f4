import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * PostgreSQL: ids default to the built-in `gen_random_uuid()` instead of `uuid-ossp`'s
 * `uuid_generate_v4()`. Databases created by the first release of `CreateAtlassianAccounts1795420000000`
 * get the defaults a fresh one has (where it changes nothing), and `uuid-ossp` is no longer needed by
 * these tables. Needs only ownership of the tables, no superuser. SQLite ids are made by TypeORM.
 */
export class BuiltInUuidDefaults1795600000000 implements MigrationInterface {
  name = 'BuiltInUuidDefaults1795600000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    for (const table of ['atlassian_linked_accounts', 'atlassian_sites'])
      await queryRunner.query(
        `ALTER TABLE "${table}" ALTER COLUMN "id" SET DEFAULT gen_random_uuid()`,
      );
  }

  /**
   * Keeps `gen_random_uuid()`: it is right for every earlier schema, and going back to
   * `uuid_generate_v4()` would need the extension this migration lets a database do without.
   */
  async down(): Promise<void> {}
}
