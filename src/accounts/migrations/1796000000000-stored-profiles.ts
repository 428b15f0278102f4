import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds the stored provider profile and the time the personal data was fetched to linked accounts.
 * Existing rows keep their data; their profile is filled at the next sign-in.
 */
export class StoredProfiles1796000000000 implements MigrationInterface {
  name = 'StoredProfiles1796000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp =
      queryRunner.connection.options.type === 'postgres' ? 'TIMESTAMP WITH TIME ZONE' : 'datetime';
    await queryRunner.query(`ALTER TABLE "atlassian_linked_accounts" ADD "profile" text`);
    await queryRunner.query(
      `ALTER TABLE "atlassian_linked_accounts" ADD "profileFetchedAt" ${timestamp}`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE "atlassian_linked_accounts" DROP COLUMN "profileFetchedAt"`,
    );
    await queryRunner.query(`ALTER TABLE "atlassian_linked_accounts" DROP COLUMN "profile"`);
  }
}
