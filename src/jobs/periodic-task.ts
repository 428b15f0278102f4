import { measureTick } from '../telemetry/tick-telemetry.js';

/**
 * One kind of periodic work in this process: a tick still running is joined, never overlapped, and
 * stopping waits for it, so that an app shutting down never closes the database under a tick that
 * holds a rotated token pair it has not stored yet.
 */
export class PeriodicTask<R> {
  private running: Promise<R> | undefined;
  private stopped = false;

  constructor(
    /** The job's name in telemetry (`atlassian.scheduler.job`). */
    private readonly job: string,
    private readonly tick: (shouldStop: () => boolean) => Promise<R>,
  ) {}

  /** Runs a tick, or joins the one running. */
  run(): Promise<R> {
    if (this.stopped)
      return Promise.reject(new Error('this periodic task was stopped with its module'));
    this.running ??= measureTick(this.job, () => this.tick(() => this.stopped)).finally(
      () => (this.running = undefined),
    );
    return this.running;
  }

  /** No new tick starts; resolves once the running one (told to stop claiming) has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.running?.catch(() => undefined);
  }
}
