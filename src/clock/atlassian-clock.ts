import { Injectable } from '@nestjs/common';
import { setTimeout as wait } from 'node:timers/promises';

/**
 * Time as the module reads it: the "now" of every expiry and backoff decision, and the wait of every
 * API retry. A test seam, not configuration: tests replace it with
 * `Test.createTestingModule(…).overrideProvider(AtlassianClock).useValue(myClock)`.
 * Leases are never judged by it (the database's clock does that), nor are waits for another
 * process's refresh (real time).
 */
export abstract class AtlassianClock {
  /** The current time. */
  abstract now(): Date;
  /** Resolves after `ms` milliseconds. */
  abstract sleep(ms: number): Promise<void>;
}

/**
 * The real clock: `new Date()` and a timer.
 * @internal
 */
@Injectable()
export class SystemClock extends AtlassianClock {
  now(): Date {
    return new Date();
  }

  async sleep(ms: number): Promise<void> {
    await wait(ms);
  }
}
