/** Atlassian's per-issue write limits: at most `count` writes to one issue in any `windowMs`. */
export const ISSUE_WRITE_WINDOWS = [
  { count: 20, windowMs: 2_000 },
  { count: 100, windowMs: 30_000 },
] as const;

const LONGEST_WINDOW_MS = Math.max(...ISSUE_WRITE_WINDOWS.map((window) => window.windowMs));

/**
 * Spaces the writes this process sends to one issue so that none meets the per-issue limit: each
 * write reserves the earliest instant at which every window still has room, and waits until then.
 * Per process: a write to the same issue from another instance is not counted (the limit's 429 is
 * still handled, as a pause of that issue).
 */
export class IssueWriteSpacer {
  /** Reserved send instants per issue key, ascending, the longest window's worth. */
  private readonly sent = new Map<string, number[]>();

  /** Reserves a slot for a write to `issueKey`; returns how long to wait before sending it. */
  reserve(issueKey: string, nowMs: number): number {
    const times = (this.sent.get(issueKey) ?? []).filter((t) => t > nowMs - LONGEST_WINDOW_MS);
    let at = nowMs;
    for (const { count, windowMs } of ISSUE_WRITE_WINDOWS) {
      // With `count` sends in the window before `at`, the oldest of them must leave it first.
      const inWindow = times.filter((t) => t > at - windowMs);
      if (inWindow.length >= count) at = Math.max(at, inWindow[inWindow.length - count] + windowMs);
    }
    times.push(at);
    times.sort((a, b) => a - b);
    this.sent.set(issueKey, times);
    this.forgetIdle(nowMs);
    return at - nowMs;
  }

  private forgetIdle(nowMs: number): void {
    if (this.sent.size < 1000) return;
    for (const [key, times] of this.sent)
      if (times[times.length - 1] <= nowMs - LONGEST_WINDOW_MS) this.sent.delete(key);
  }
}
