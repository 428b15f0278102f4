/**
 * A process clock that is wrong by a fixed offset, as a server with a drifting clock is: `Date.now()` and
 * `new Date()` read real time + offset; `new Date(x)`, `Date.parse`, `Date.UTC`, `performance.now()` and
 * timers are untouched, so durations stay true and only the wall clock lies.
 */

/** A subclass of `RealDate` whose "now" is `offsetMs` ahead (negative: behind). */
export function offsetDateClass(
  offsetMs: number,
  RealDate: DateConstructor = Date,
): DateConstructor {
  class OffsetDate extends RealDate {
    constructor(...args: unknown[]) {
      // With no argument a Date means "now"; with any, it is the moment asked for, unshifted.
      super(...((args.length === 0 ? [RealDate.now() + offsetMs] : args) as [number]));
    }

    static override now(): number {
      return RealDate.now() + offsetMs;
    }

    // Dates V8 makes itself (structured clones, IPC messages) are real Dates: they pass `instanceof Date` still.
    static override [Symbol.hasInstance](value: unknown): boolean {
      return value instanceof RealDate;
    }
  }
  return OffsetDate as DateConstructor;
}

/**
 * Replaces the global `Date` of this process. Call it before the modules that read the clock are evaluated
 * (import them dynamically afterwards): one that kept a reference to the real `Date` would keep real time.
 */
export function installClockOffset(offsetMs: number): void {
  globalThis.Date = offsetDateClass(offsetMs, globalThis.Date);
}
