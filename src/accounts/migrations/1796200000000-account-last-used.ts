import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds when each linked account was last used (`lastUsedAt`), which the scheduled refresh reads to
 * refresh ahead only the accounts in use. Existing rows stay null: they count as used at their last
 * sign-in, so none loses its proactive refresh at once.
 */
export class AccountLastUsed1796200000000 implements MigrationInterface {
  name = 'AccountLastUsed1796200000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    const timestamp =
      queryRunner.connection.options.type === 'postgres' ? 'TIMESTAMP WITH TIME ZONE' : 'datetime';
    await queryRunner.query(
      `ALTER TABLE "atlassian_linked_accounts" ADD "lastUsedAt" ${timestamp}`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "atlassian_linked_accounts" DROP COLUMN "lastUsedAt"`);
  }
}
