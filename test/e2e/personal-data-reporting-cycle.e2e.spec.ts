import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  DAY_MS,
  reportRows,
  reportTimesById,
  seedReportedAccounts,
  startReportingApp,
  type ReportingApp,
} from '../support/personal-data.js';

const ACCOUNTS = 250;

describe.each(['sqlite', 'postgres'] as const)('personal data reporting cycles (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let reporting: ReportingApp;
  let ids: string[];

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    reporting = await startReportingApp(await createTestDatabase(kind), emulator);
    ids = (await seedReportedAccounts(reporting, emulator, ACCOUNTS)).map(
      (a) => a.providerAccountId,
    );
  });
  afterAll(async () => {
    await reporting?.app.close();
    await emulator?.stop();
  });

  /** Runs once a day for `days` days (the first run now), each run to the end. */
  const runDaily = async (days: number) => {
    for (let day = 0; day < days; day++) {
      if (day > 0) emulator.clock.advance(DAY_MS);
      const summary = await reporting.reporter.runOnce();
      expect(summary.failed).toBe(0);
    }
  };

  it('reports every new account at the first run, in requests of at most 90', async () => {
    const summary = await reporting.reporter.runOnce();
    expect(summary).toMatchObject({ reported: ACCOUNTS, requests: 3, closed: 0, updated: 0 });
    const sizes = emulator.personalData.reports.map((r) => r.accountIds.length);
    expect(sizes).toEqual([90, 90, 70]);
    expect(new Set(emulator.personalData.reportedAccountIds())).toEqual(new Set(ids));
    // A second run at the same instant finds nothing due.
    expect((await reporting.reporter.runOnce()).requests).toBe(0);
  });

  it('reports each account once per 7-day cycle, spread over the cycle, over three cycles', async () => {
    const startMs = emulator.clock.nowMs();
    await runDaily(22);
    for (const report of emulator.personalData.reports)
      expect(report.accountIds.length).toBeLessThanOrEqual(90);
    const times = reportTimesById(emulator);
    expect([...times.keys()].sort()).toEqual([...ids].sort());
    const secondReportDays = new Set<number>();
    for (const id of ids) {
      const at = times.get(id)!;
      // Never more often than once per cycle, and at least once in each cycle after the first.
      for (let i = 1; i < at.length; i++)
        expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(7 * DAY_MS);
      expect(at.length).toBeGreaterThanOrEqual(3);
      secondReportDays.add(Math.round((at[1] - startMs) / DAY_MS));
    }
    // Not all at once: the accounts reported together at first come due on different days.
    expect(secondReportDays.size).toBeGreaterThanOrEqual(6);
    const rows = await reportRows(reporting.app.dataSource);
    expect(rows.size).toBe(ACCOUNTS);
    for (const row of rows.values()) {
      expect(row.cyclePeriodSeconds).toBe(7 * 86_400);
      expect(row.leaseOwner).toBeNull();
      expect(row.lastOutcome).toBe('none');
    }
  });

  it('honours a Cycle-Period of 14 days: no account is reported again sooner', async () => {
    emulator.personalData.setCyclePeriod('P14D');
    emulator.personalData.resetReports();
    await runDaily(45);
    const times = reportTimesById(emulator);
    expect(times.size).toBe(ACCOUNTS);
    for (const at of times.values()) {
      // The first report of this stretch was still due by the 7-day period; every later one by 14 days.
      for (let i = 1; i < at.length; i++)
        expect(at[i] - at[i - 1]).toBeGreaterThanOrEqual(14 * DAY_MS);
      expect(at.length).toBeGreaterThanOrEqual(3);
      expect(at.length).toBeLessThanOrEqual(4);
    }
    const rows = await reportRows(reporting.app.dataSource);
    for (const row of rows.values()) expect(row.cyclePeriodSeconds).toBe(14 * 86_400);
  });
});
