import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  DAY_MS,
  reportRows,
  seedReportedAccounts,
  startReportingApp,
  type ReportingApp,
} from '../support/personal-data.js';

describe.each(['sqlite', 'postgres'] as const)('personal data reporting failures (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  let reporting: ReportingApp;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    database = await createTestDatabase(kind);
    reporting = await startReportingApp(database, emulator);
  });
  afterAll(async () => {
    await reporting?.app.close();
    await emulator?.stop();
  });

  it('stops at a 429 and reports nothing before Retry-After has passed', async () => {
    const ids = (await seedReportedAccounts(reporting, emulator, 5)).map(
      (a) => a.providerAccountId,
    );
    emulator.personalData.failReports({ status: 429, retryAfterSeconds: 120 });
    const limited = await reporting.reporter.runOnce();
    expect(limited).toMatchObject({ reported: 0, failed: 5, requests: 0 });
    expect(limited.rateLimitedUntil?.getTime()).toBe(emulator.clock.nowMs() + 120_000);
    for (const id of ids)
      expect((await reportRows(reporting.app.dataSource)).get(id)).toMatchObject({
        lastReportedAt: null,
        nextReportAt: new Date(emulator.clock.nowMs() + 120_000),
      });
    emulator.clock.advance(60_000);
    expect((await reporting.reporter.runOnce()).requests).toBe(0);
    expect(emulator.personalData.reports).toHaveLength(1);
    emulator.clock.advance(61_000);
    expect(await reporting.reporter.runOnce()).toMatchObject({ reported: 5, failed: 0 });
    expect(emulator.personalData.reportedAccountIds().sort()).toEqual([...ids].sort());
  });

  it('keeps the state after a failed report and reports at a later run', async () => {
    emulator.personalData.resetReports();
    const [account] = await seedReportedAccounts(reporting, emulator, 1);
    emulator.personalData.failReports({ status: 503 });
    expect(await reporting.reporter.runOnce()).toMatchObject({ reported: 0, failed: 1 });
    expect(
      (await reportRows(reporting.app.dataSource)).get(account.providerAccountId),
    ).toMatchObject({ lastReportedAt: null, lastError: 'the report was answered 503' });
    emulator.clock.advance(3600_000);
    expect(await reporting.reporter.runOnce()).toMatchObject({ reported: 1, failed: 0 });
    expect(emulator.personalData.reportedAccountIds()).toEqual([account.providerAccountId]);
  });

  it("retries a report refused with one grant's token (401) with another grant's", async () => {
    const lastCaller = emulator.personalData.reports.at(-1)!.callerAccountId!;
    emulator.revokeGrant(lastCaller);
    emulator.personalData.resetReports();
    const [account] = await seedReportedAccounts(reporting, emulator, 1);
    expect(await reporting.reporter.runOnce()).toMatchObject({ reported: 1, failed: 0 });
    const reports = emulator.personalData.reports;
    expect(reports.map((r) => r.status)).toEqual([401, 204]);
    expect(reports[1].callerAccountId).not.toBe(lastCaller);
    expect(reports[1].accountIds).toEqual([account.providerAccountId]);
  });

  it('resumes the cycle after a restart in the middle of a run', async () => {
    emulator.clock.advance(30 * DAY_MS);
    emulator.personalData.resetReports();
    const ids = (await seedReportedAccounts(reporting, emulator, 200)).map(
      (a) => a.providerAccountId,
    );
    const due = (await reportRows(reporting.app.dataSource)).size + 200;
    emulator.setLatency('report-accounts', 300);
    const run = reporting.reporter.runOnce();
    while (emulator.personalData.reports.length === 0)
      await new Promise((resolve) => setTimeout(resolve, 20));
    await reporting.app.close();
    await run;
    emulator.clearFaults();
    const firstApp = emulator.personalData.reportedAccountIds();
    expect(firstApp.length).toBeGreaterThan(0);
    expect(firstApp.length).toBeLessThan(due);
    reporting = await startReportingApp(database, emulator, { key: reporting.key });
    await reporting.reporter.runOnce();
    const all = emulator.personalData.reportedAccountIds();
    // Every due account exactly once across both apps: the second took over where the first stopped.
    expect(all).toHaveLength(due);
    expect(new Set(all).size).toBe(due);
    for (const id of ids) expect(all).toContain(id);
    expect((await reporting.reporter.runOnce()).requests).toBe(0);
  });
});
