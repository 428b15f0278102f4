import { ScheduleModule, SchedulerRegistry } from '@nestjs/schedule';
import { afterEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const JOB = 'nestjs-atlassian:token-refresh';

/** The scheduled refresh joins the host's ScheduleModule, or says plainly what is missing. */
describe('TokenRefreshScheduler registration (sqlite)', () => {
  let emulator: AtlassianEmulator | undefined;
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it("registers its cron job with the host's ScheduleModule, on the configured cron, and removes it at shutdown", async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { refreshScheduler: { cron: '*/30 * * * * *' } },
      imports: [ScheduleModule.forRoot()],
    });
    const registry = app.app.get(SchedulerRegistry);
    expect(registry.getCronJobs().has(JOB)).toBe(true);
    expect(registry.getCronJob(JOB).cronTime.source).toBe('*/30 * * * * *');
    await app.close();
    app = undefined;
    expect(registry.getCronJobs().has(JOB)).toBe(false);
  });

  it('without ScheduleModule.forRoot() in the app, boots and warns once per scheduled job, naming it and how to turn it off', async () => {
    emulator = await AtlassianEmulator.start();
    const logger = new CapturingLogger();
    app = await startTestApp({ database: await createTestDatabase('sqlite'), emulator, logger });
    const warnings = logger.lines.filter((line) => line.includes('ScheduleModule.forRoot()'));
    // The token refresh and personal data reporting are on by default; webhook renewal only with a jiraUrl.
    expect(warnings).toHaveLength(2);
    expect(warnings.filter((line) => /refreshScheduler\.enabled to false/.test(line))).toHaveLength(
      1,
    );
    expect(
      warnings.filter((line) => /personalDataReporting\.enabled to false/.test(line)),
    ).toHaveLength(1);
  });

  it('stays silent with the scheduled jobs turned off', async () => {
    emulator = await AtlassianEmulator.start();
    const logger = new CapturingLogger();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { refreshScheduler: { enabled: false }, personalDataReporting: { enabled: false } },
      logger,
    });
    expect(logger.lines.filter((line) => /ScheduleModule|scheduler/i.test(line))).toEqual([]);
  });
});
