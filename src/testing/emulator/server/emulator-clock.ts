import { performance } from 'node:perf_hooks';

/** The emulator's notion of "now": tokens, codes and grants expire by it, and tests move it. */
export class EmulatorClock {
  private baseMs: number;
  private anchorMs = performance.now();

  /** @param start first reading; @param realTime also move with real time (default frozen) */
  constructor(
    start: Date = new Date(),
    private readonly realTime = false,
  ) {
    this.baseMs = start.getTime();
  }

  /** The emulator's current time. */
  now(): Date {
    return new Date(this.nowMs());
  }

  /** The emulator's current time in epoch milliseconds. */
  nowMs(): number {
    // Frozen by default so tests that assert exact expiry boundaries are deterministic.
    return this.realTime ? this.baseMs + (performance.now() - this.anchorMs) : this.baseMs;
  }

  /** Move the clock forward by `ms` milliseconds (negative moves it back). */
  advance(ms: number): void {
    if (!Number.isFinite(ms))
      throw new RangeError(`EmulatorClock.advance: ms must be a finite number, got ${ms}`);
    this.baseMs += ms;
  }

  /** Jump the clock to `date`. */
  set(date: Date): void {
    if (Number.isNaN(date.getTime())) throw new RangeError('EmulatorClock.set: invalid Date');
    this.baseMs = date.getTime();
    this.anchorMs = performance.now();
  }
}
