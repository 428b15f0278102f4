import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  seedReportedAccounts,
  startReportingApp,
  type ReportingApp,
} from '../support/personal-data.js';

describe('personal data reporting from two instances on one PostgreSQL', () => {
  let emulator: AtlassianEmulator;
  let first: ReportingApp;
  let second: ReportingApp;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    const database = await createTestDatabase('postgres');
    // Small batches and a slow endpoint: both instances are claiming while the other reports.
    const options = { personalDataReporting: { batchSize: 25 } };
    first = await startReportingApp(database, emulator, { options });
    second = await startReportingApp(database, emulator, { options, key: first.key });
  });
  afterAll(async () => {
    await first?.app.close();
    await second?.app.close();
    await emulator?.stop();
  });

  it('reports each account once between them, in disjoint batches', async () => {
    const ids = (await seedReportedAccounts(first, emulator, 250)).map((a) => a.providerAccountId);
    emulator.setLatency('report-accounts', 50);
    const [a, b] = await Promise.all([first.reporter.runOnce(), second.reporter.runOnce()]);
    expect(a.reported + b.reported).toBe(250);
    expect(a.failed + b.failed).toBe(0);
    expect(a.requests).toBeGreaterThan(0);
    expect(b.requests).toBeGreaterThan(0);
    const reported = emulator.personalData.reportedAccountIds();
    expect(reported).toHaveLength(250);
    expect(new Set(reported)).toEqual(new Set(ids));
    for (const report of emulator.personalData.reports)
      expect(report.accountIds.length).toBeLessThanOrEqual(25);
  });
});
