import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { atlassianEntities, atlassianMigrations, useZonedTimestamps } from '../../src/index.js';
import { createTestDatabase } from '../support/databases.js';

describe.each(['sqlite', 'postgres'] as const)('shipped migrations (%s)', (kind) => {
  it('create exactly the schema the entities describe, and revert cleanly', async () => {
    const database = await createTestDatabase(kind);
    const dataSource = useZonedTimestamps(
      new DataSource({
        ...database.typeorm,
        entities: atlassianEntities,
        migrations: atlassianMigrations,
      }),
    );
    await dataSource.initialize();
    try {
      expect((await dataSource.runMigrations()).map((m) => m.name)).toEqual([
        'CreateAtlassianAccounts1795420000000',
        'ZonedTimestamps1795500000000',
        'BuiltInUuidDefaults1795600000000',
        'RateLimitPauses1795700000000',
        'ServiceAccountTokens1795800000000',
        'WebhookRegistrations1795900000000',
        'WebhookDeliveries1795950000000',
        'StoredProfiles1796000000000',
        'PersonalDataReports1796100000000',
        'AccountLastUsed1796200000000',
        'DropLeaseOwnerIndexes1796300000000',
      ]);
      // What `migration:generate` would write in the host app: nothing.
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((q) => q.query)).toEqual([]);
      for (const _ of atlassianMigrations) await dataSource.undoLastMigration();
      const tables = await dataSource
        .createQueryRunner()
        .getTables([
          'atlassian_linked_accounts',
          'atlassian_sites',
          'atlassian_rate_limit_pauses',
          'atlassian_service_account_tokens',
          'atlassian_webhook_registrations',
          'atlassian_webhook_deliveries',
          'atlassian_personal_data_reports',
        ]);
      expect(tables).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
