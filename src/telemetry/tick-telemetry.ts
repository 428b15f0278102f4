import { errorType } from './error-type.js';
import { instruments, secondsSince } from './instruments.js';
import { Attr } from './telemetry-names.js';

/** One tick of a scheduled job, its duration on `atlassian.scheduler.tick.duration`. */
export async function measureTick<T>(job: string, tick: () => Promise<T>): Promise<T> {
  const histogram = instruments()?.schedulerTickDuration;
  if (!histogram) return tick();
  const startedAt = performance.now();
  try {
    const result = await tick();
    histogram.record(secondsSince(startedAt), { [Attr.SchedulerJob]: job });
    return result;
  } catch (err) {
    histogram.record(secondsSince(startedAt), {
      [Attr.SchedulerJob]: job,
      [Attr.ErrorType]: errorType(err),
    });
    throw err;
  }
}
