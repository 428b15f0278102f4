import type { Logger } from '@nestjs/common';
import type { ModuleRef } from '@nestjs/core';
import { measureTick } from '../telemetry/tick-telemetry.js';
import { registerCronJob, type RegisteredCronJob } from './cron-registration.js';
import { merged } from '../common/merged.js';

/** How a periodic task is put on the host's scheduler. */
export interface TaskSchedule {
  /** The job's name in `SchedulerRegistry`. */
  name: string;
  cron: string;
  /** How to turn the job off, for the warning when no scheduler is there. */
  disableHint: string;
  /** What the log says before the reason when a tick fails, e.g. `Token refresh tick failed`. */
  failure: string;
}

/**
 * One kind of periodic work in this process: a tick still running is joined, never overlapped, and
 * stopping waits for it, so that an app shutting down never closes the database under a tick that
 * holds a rotated token pair it has not stored yet.
 */
export class PeriodicTask<R> {
  private running: Promise<R> | undefined;
  private stopped = false;
  private cronJob: RegisteredCronJob | undefined;

  constructor(
    /** The job's name in telemetry (`atlassian.scheduler.job`). */
    private readonly job: string,
    private readonly tick: (shouldStop: () => boolean) => Promise<R>,
  ) {}

  /**
   * Runs the task on `schedule.cron` through the host's `ScheduleModule` (see `registerCronJob`);
   * a failed tick is logged. Returns the registered job, or undefined when there is no scheduler.
   */
  async schedule(
    moduleRef: ModuleRef,
    logger: Logger,
    schedule: TaskSchedule,
  ): Promise<RegisteredCronJob | undefined> {
    this.cronJob = await registerCronJob(
      moduleRef,
      logger,
      merged(schedule, {
        onTick: () =>
          void this.run().catch((err) =>
            logger.error(`${schedule.failure}: ${(err as Error).message}`),
          ),
      }),
    );
    return this.cronJob;
  }

  /** Runs a tick, or joins the one running. */
  run(): Promise<R> {
    if (this.stopped)
      return Promise.reject(new Error('this periodic task was stopped with its module'));
    this.running ??= measureTick(this.job, () => this.tick(() => this.stopped)).finally(
      () => (this.running = undefined),
    );
    return this.running;
  }

  /** Unschedules it; no new tick starts; resolves once the running one (told to stop claiming) has finished. */
  async stop(): Promise<void> {
    this.cronJob?.stop();
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }
}
