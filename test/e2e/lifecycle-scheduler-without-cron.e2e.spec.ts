import { ScheduleModule } from '@nestjs/schedule';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The app's dependencies as an install that lacks `cron` (an optional peer) would have them.
vi.mock('cron', () => {
  throw new Error("Cannot find package 'cron'");
});

describe('TokenRefreshScheduler without the cron package (sqlite)', () => {
  let emulator: AtlassianEmulator | undefined;
  let app: TestApp | undefined;
  afterEach(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('boots, and its one warning names the missing package, not ScheduleModule (which the app has)', async () => {
    emulator = await AtlassianEmulator.start();
    const logger = new CapturingLogger();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      imports: [ScheduleModule.forRoot()],
      logger,
    });
    const warnings = logger.lines.filter((line) =>
      line.includes('nestjs-atlassian:token-refresh is off'),
    );
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/install @nestjs\/schedule \(and its cron\)/);
    expect(warnings[0]).not.toMatch(/import ScheduleModule\.forRoot\(\)/);
  });
});
