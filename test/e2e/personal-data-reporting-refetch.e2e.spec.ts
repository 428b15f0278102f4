import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkedAccount, type AtlassianProfile } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  seedReportedAccounts,
  startReportingApp,
  type ReportingApp,
} from '../support/personal-data.js';

/**
 * `updated` with nothing replaced: the reporter asks the module's own `AccountLinkService.refreshProfile`,
 * which reads `/me` with that account's token, so the stored profile is what Atlassian now says.
 */
describe.each(['sqlite', 'postgres'] as const)(
  'personal data reporting: updated, fetched for real (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let reporting: ReportingApp;

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      reporting = await startReportingApp(await createTestDatabase(kind), emulator);
    });
    afterAll(async () => {
      await reporting?.app.close();
      await emulator?.stop();
    });

    it('stores the profile /me now answers, with a later profileFetchedAt', async () => {
      const [person] = await seedReportedAccounts(reporting, emulator, 1);
      const accounts = reporting.app.dataSource.getRepository(LinkedAccount);
      // Reported once: Atlassian has nothing to say yet.
      expect(await reporting.reporter.runOnce()).toMatchObject({
        updated: 0,
        closed: 0,
        failed: 0,
      });
      const before = await accounts.findOneByOrFail({ id: person.id });

      // Past the 7-day cycle and the share of a cycle that spreads re-reports: due again.
      emulator.clock.advance(15 * 24 * 3600_000);
      emulator.personalData.markUpdated(person.providerAccountId, {
        name: 'Renamed Person',
        email: 'renamed@example.com',
      });
      expect(await reporting.reporter.runOnce()).toMatchObject({ updated: 1, failed: 0 });

      const after = await accounts.findOneByOrFail({ id: person.id });
      expect(after).toMatchObject({ displayName: 'Renamed Person', email: 'renamed@example.com' });
      expect((after.profile as AtlassianProfile).name).toBe('Renamed Person');
      expect(after.profileFetchedAt!.getTime()).toBeGreaterThan(
        (before.profileFetchedAt ?? before.createdAt).getTime(),
      );
      expect(after.status).toBe('active');
    });
  },
);
