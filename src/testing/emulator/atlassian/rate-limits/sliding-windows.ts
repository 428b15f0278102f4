import type { WindowRule } from './rate-limit-settings.js';

/** Where a key stands against a sliding-window rule. */
export interface WindowState {
  /** Events still allowed now. */
  remaining: number;
  /** When one more event becomes allowed (the oldest counted event leaves the window); now when some remain. */
  resetAtMs: number;
}

/** Timestamps of accepted events per key, judged against sliding windows on the emulator clock. */
export class SlidingWindows {
  private readonly events = new Map<string, number[]>();

  /** Where `key` stands against `rule` at `nowMs`. */
  state(key: string, rule: WindowRule, nowMs: number): WindowState {
    // Events from "the future" (the clock was moved back) still count: the window never lets more through.
    const inWindow = (this.events.get(key) ?? [])
      .filter((at) => at > nowMs - rule.windowMs)
      .sort((a, b) => a - b);
    const remaining = Math.max(0, rule.limit - inWindow.length);
    if (remaining > 0) return { remaining, resetAtMs: nowMs };
    // Once this event leaves the window, fewer than `limit` are left in it.
    const freeing = inWindow.at(-rule.limit)!;
    return { remaining, resetAtMs: freeing + rule.windowMs };
  }

  /** Count one event for `key` at `nowMs`; events older than `keepMs` are dropped. */
  record(key: string, nowMs: number, keepMs: number): void {
    const kept = (this.events.get(key) ?? []).filter((at) => at > nowMs - keepMs);
    kept.push(nowMs);
    this.events.set(key, kept);
  }

  /** Forget every event. */
  clear(): void {
    this.events.clear();
  }
}
