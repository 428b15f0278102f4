import { describe, expect, it } from 'vitest';
import type { RefreshSchedulerStatus } from '../tokens/token-refresh.scheduler.js';
import { checkScheduler } from './scheduler-health.js';

const MINUTE_MS = 60_000;
const at = (iso: string) => new Date(iso);
/** Every whole minute, as `0 * * * * *` fires. */
const everyMinute = (instant: Date) =>
  new Date((Math.floor(instant.getTime() / MINUTE_MS) + 1) * MINUTE_MS);

const scheduled = (overrides: Partial<RefreshSchedulerStatus>): RefreshSchedulerStatus => ({
  state: 'scheduled',
  cron: '0 * * * * *',
  scheduledAt: at('2026-06-01T10:00:30Z'),
  lastTickCompletedAt: null,
  nextTickAfter: everyMinute,
  ...overrides,
});

describe('checkScheduler', () => {
  it('counts the ticks due since the job was registered while none has completed', () => {
    expect(checkScheduler(scheduled({}), at('2026-06-01T10:03:10Z'), 3)).toMatchObject({
      status: 'up',
      dueTicksSince: 3,
    });
    const down = checkScheduler(scheduled({}), at('2026-06-01T10:04:00Z'), 3);
    expect(down).toMatchObject({ status: 'down', dueTicksSince: 4 });
    expect(down.reason).toMatch(
      /^The token refresh scheduler has completed no tick since it started at 2026-06-01T10:00:30\.000Z; more than health\.maxMissedTicks \(3\)/,
    );
  });

  it('stops counting past the threshold, however old the tick', () => {
    const status = scheduled({ lastTickCompletedAt: at('2025-06-01T10:00:00Z') });
    expect(checkScheduler(status, at('2026-06-01T10:00:00Z'), 5)).toMatchObject({
      status: 'down',
      dueTicksSince: 6,
    });
  });

  it('is down, naming the fix, when enabled but never registered', () => {
    const result = checkScheduler(
      { ...scheduled({}), state: 'unregistered', scheduledAt: null, nextTickAfter: null },
      at('2026-06-01T10:00:00Z'),
      3,
    );
    expect(result.status).toBe('down');
    expect(result.reason).toMatch(
      /import ScheduleModule\.forRoot\(\) from @nestjs\/schedule .* or set refreshScheduler\.enabled to false/,
    );
  });
});
