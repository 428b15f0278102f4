import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import {
  CreateAtlassianAccounts1795420000000,
  LinkedAccount,
  ZonedTimestamps1795500000000,
  atlassianEntities,
  useZonedTimestamps,
} from '../../src/index.js';
import { createTestDatabase } from '../support/databases.js';

const INSTANTS = {
  accessTokenExpiresAt: new Date('2026-11-30T23:45:00.123Z'),
  lastRefreshedAt: new Date('2026-06-15T02:30:00.000Z'),
  consentedAt: new Date('2026-01-01T00:00:00.000Z'),
};

/**
 * Upgrading a PostgreSQL database written before instants carried their zone: the app processes ran
 * in Asia/Kolkata and wrote their local wall time into zone-less columns. Run in that zone, the
 * migration must keep every instant those processes stored.
 */
describe('ZonedTimestamps1795500000000 on an existing PostgreSQL database', () => {
  const zoneBefore = process.env.TZ;
  afterEach(() => {
    if (zoneBefore === undefined) delete process.env.TZ;
    else process.env.TZ = zoneBefore;
  });

  it('keeps every stored instant when run in the zone the app ran in', async () => {
    // Node follows TZ at once: Dates below are written and read as a Kolkata process would.
    process.env.TZ = 'Asia/Kolkata';
    expect(new Date('2026-01-01T00:00:00Z').getTimezoneOffset()).toBe(-330);
    const { typeorm } = await createTestDatabase('postgres');
    const id = randomUUID();

    // The old package: its first migration, and entities TypeORM saw as zone-less `timestamp`.
    const before = new DataSource({
      ...typeorm,
      entities: atlassianEntities,
      migrations: [CreateAtlassianAccounts1795420000000],
    });
    await before.initialize();
    try {
      await before.runMigrations();
      const row = {
        id,
        userId: 'u',
        provider: 'atlassian' as const,
        providerAccountId: 'kolkata-writer',
        scopes: [],
        accessTokenEncrypted: 'x',
        version: 1,
        ...INSTANTS,
      };
      // Only the columns the first release had: later columns do not exist yet.
      await before
        .createQueryBuilder()
        .insert()
        .into(LinkedAccount, Object.keys(row))
        .values(row)
        .execute();
      // The defect the migration repairs: stored as Kolkata wall time, 5.5 h off as an instant.
      const [raw] = await before.query(
        `SELECT "consentedAt"::text AS consented FROM atlassian_linked_accounts`,
      );
      expect(raw.consented).toBe('2026-01-01 05:30:00');
    } finally {
      await before.destroy();
    }

    const after = useZonedTimestamps(
      new DataSource({
        ...typeorm,
        entities: atlassianEntities,
        migrations: [CreateAtlassianAccounts1795420000000, ZonedTimestamps1795500000000],
      }),
    );
    await after.initialize();
    try {
      expect((await after.runMigrations()).map((m) => m.name)).toEqual([
        'ZonedTimestamps1795500000000',
      ]);
      const [types] = await after.query(
        `SELECT count(*)::int AS zoned FROM information_schema.columns WHERE table_name = 'atlassian_linked_accounts' AND data_type = 'timestamp with time zone'`,
      );
      expect(types.zoned).toBe(8);
      // Only columns of that release: later ones are not there yet.
      const select = {
        id: true,
        accessTokenExpiresAt: true,
        lastRefreshedAt: true,
        consentedAt: true,
      };
      const row = await after.getRepository(LinkedAccount).findOneOrFail({ where: { id }, select });
      expect({
        accessTokenExpiresAt: row.accessTokenExpiresAt,
        lastRefreshedAt: row.lastRefreshedAt,
        consentedAt: row.consentedAt,
      }).toEqual(INSTANTS);
      // And a process in another zone now reads the same instants.
      process.env.TZ = 'America/Los_Angeles';
      const again = await after
        .getRepository(LinkedAccount)
        .findOneOrFail({ where: { id }, select });
      expect(again.consentedAt.toISOString()).toBe(INSTANTS.consentedAt.toISOString());
    } finally {
      await after.destroy();
    }
  });
});
