import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the partial indexes on the lease owner of linked accounts and personal data reports. A claim
 * now returns the rows it leased (`UPDATE … RETURNING`) instead of reading them back by lease owner,
 * so nothing reads through these indexes any more, while every claim and every release still had to
 * write to them. No data changes. During a rolling upgrade, instances still on the previous version
 * read their claims back without the index: the same rows, found by a scan, until they are replaced.
 */
export class DropLeaseOwnerIndexes1796300000000 implements MigrationInterface {
  name = 'DropLeaseOwnerIndexes1796300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX IF EXISTS "IDX_atlassian_linked_accounts_lease_owner"`);
    await queryRunner.query(
      `DROP INDEX IF EXISTS "IDX_atlassian_personal_data_reports_lease_owner"`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "IDX_atlassian_personal_data_reports_lease_owner" ON "atlassian_personal_data_reports" ("leaseOwner") WHERE "leaseOwner" IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX "IDX_atlassian_linked_accounts_lease_owner" ON "atlassian_linked_accounts" ("refreshLeaseOwner") WHERE "refreshLeaseOwner" IS NOT NULL`,
    );
  }
}
