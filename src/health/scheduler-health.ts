import type { RefreshSchedulerStatus } from '../tokens/token-refresh.scheduler.js';
import type { PartHealth } from './health-check.js';

/**
 * The age of the scheduler's last completed tick, counted in ticks its cron made due since then (or since
 * the job was registered, before the first). A disabled scheduler is reported, not failed.
 */
export function checkScheduler(
  scheduler: RefreshSchedulerStatus,
  now: Date,
  maxMissedTicks: number,
): PartHealth {
  const { state, cron, scheduledAt, lastTickCompletedAt, nextTickAfter } = scheduler;
  if (state === 'disabled')
    return {
      status: 'up',
      state,
      note: 'refreshScheduler.enabled is false: this process refreshes tokens on demand only.',
    };
  if (state === 'unregistered' || !nextTickAfter || !scheduledAt)
    return {
      status: 'down',
      state,
      reason:
        'The token refresh scheduler is enabled but not running: import ScheduleModule.forRoot() from ' +
        '@nestjs/schedule (with its cron package) in the app, or set refreshScheduler.enabled to false. ' +
        'The warning logged at boot names what is missing.',
    };
  const since = lastTickCompletedAt ?? scheduledAt;
  let dueTicks = 0;
  for (let tick = nextTickAfter(since); tick <= now && dueTicks <= maxMissedTicks;) {
    dueTicks++;
    tick = nextTickAfter(tick);
  }
  const details = { state, cron, lastTickCompletedAt, dueTicksSince: dueTicks };
  if (dueTicks <= maxMissedTicks) return { status: 'up', ...details };
  const last = lastTickCompletedAt
    ? `completed its last tick at ${lastTickCompletedAt.toISOString()}`
    : `has completed no tick since it started at ${scheduledAt.toISOString()}`;
  return {
    status: 'down',
    ...details,
    reason:
      `The token refresh scheduler ${last}; more than health.maxMissedTicks (${maxMissedTicks}) ticks of ` +
      `'${cron}' were due since. Look for 'Token refresh tick failed' in the log (a database that fails or ` +
      `is slow), for a tick that outlasts the cron interval (raise refreshScheduler.concurrency), or for ` +
      `a blocked event loop.`,
  };
}
