/** One UTC hour, in milliseconds: quotas reset at the top of each. */
export const HOUR_MS = 3_600_000;

/** The start of the next UTC hour after `nowMs`. */
export function nextHourMs(nowMs: number): number {
  return (Math.floor(nowMs / HOUR_MS) + 1) * HOUR_MS;
}

/** Points spent per budget key in the current UTC hour of the emulator clock; a new hour starts at 0. */
export class HourlyPoints {
  private readonly spent = new Map<string, { hour: number; points: number }>();

  /** Points spent on `key` in the hour of `nowMs`. */
  spentIn(key: string, nowMs: number): number {
    const entry = this.spent.get(key);
    return entry && entry.hour === hourOf(nowMs) ? entry.points : 0;
  }

  /** Add `points` to `key` in the hour of `nowMs`. */
  charge(key: string, points: number, nowMs: number): void {
    this.spent.set(key, { hour: hourOf(nowMs), points: this.spentIn(key, nowMs) + points });
  }

  /** Forget everything spent. */
  clear(): void {
    this.spent.clear();
  }
}

function hourOf(nowMs: number): number {
  return Math.floor(nowMs / HOUR_MS);
}
