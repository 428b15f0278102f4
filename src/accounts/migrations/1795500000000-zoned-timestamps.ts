import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Every instant column of the package, by table. */
const INSTANT_COLUMNS: Record<string, string[]> = {
  atlassian_linked_accounts: [
    'accessTokenExpiresAt',
    'lastRefreshedAt',
    'consentedAt',
    'refreshLeaseExpiresAt',
    'nextRefreshAttemptAt',
    'consentExpiryNotifiedAt',
    'createdAt',
    'updatedAt',
  ],
  atlassian_sites: ['createdAt', 'updatedAt'],
};

/**
 * PostgreSQL: instants become `timestamptz`. The zone-less values stored so far were written as the
 * writing process's local wall time, so they are read in the time zone of the process that runs this
 * migration (its `TZ`): run it with the zone your app's processes ran in, and every stored instant is
 * kept. SQLite needs nothing: TypeORM already stores its datetimes in UTC.
 */
export class ZonedTimestamps1795500000000 implements MigrationInterface {
  name = 'ZonedTimestamps1795500000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'TIMESTAMP WITH TIME ZONE');
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await this.retype(queryRunner, 'TIMESTAMP WITHOUT TIME ZONE');
  }

  private async retype(queryRunner: QueryRunner, type: string): Promise<void> {
    if (queryRunner.connection.options.type !== 'postgres') return;
    const zone = processTimeZone();
    for (const [table, columns] of Object.entries(INSTANT_COLUMNS)) {
      const changes = columns.map(
        (column) =>
          `ALTER COLUMN "${column}" TYPE ${type} USING "${column}" AT TIME ZONE '${zone}'`,
      );
      await queryRunner.query(`ALTER TABLE "${table}" ${changes.join(', ')}`);
    }
  }
}

/** The IANA zone this process reads local times in (what node-postgres used for zone-less values). */
function processTimeZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  if (!/^[A-Za-z0-9_+\-/]+$/.test(zone))
    throw new Error(`Unexpected time zone name "${zone}": set TZ to an IANA zone such as UTC.`);
  return zone;
}
