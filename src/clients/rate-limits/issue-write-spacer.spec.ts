import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ISSUE_WRITE_WINDOWS, IssueWriteSpacer } from './issue-write-spacer.js';

/** Every send instant the spacer handed out, checked against both windows. */
function assertWithinLimits(sends: number[]): void {
  const sorted = [...sends].sort((a, b) => a - b);
  for (const { count, windowMs } of ISSUE_WRITE_WINDOWS) {
    for (let i = count; i < sorted.length; i++)
      expect(sorted[i] - sorted[i - count]).toBeGreaterThanOrEqual(windowMs);
  }
}

describe('IssueWriteSpacer', () => {
  it('lets 20 writes go at once and spaces the 21st to the end of the 2 s window', () => {
    const spacer = new IssueWriteSpacer();
    const waits = Array.from({ length: 21 }, () => spacer.reserve('ISSUE-1', 1_000));
    expect(waits.slice(0, 20)).toEqual(Array(20).fill(0));
    expect(waits[20]).toBe(2_000);
    expect(spacer.reserve('ISSUE-2', 1_000)).toBe(0);
  });

  it('never lets writes through faster than both windows allow, whenever they are asked for', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 500 }), { minLength: 1, maxLength: 400 }),
        (gaps) => {
          const spacer = new IssueWriteSpacer();
          let now = 0;
          const sends: number[] = [];
          for (const gap of gaps) {
            now += gap;
            sends.push(now + spacer.reserve('K-1', now));
          }
          assertWithinLimits(sends);
        },
      ),
    );
  });

  it('waits no longer than needed: a send is never later than the first instant both windows allow', () => {
    const spacer = new IssueWriteSpacer();
    const sends = Array.from({ length: 250 }, () => spacer.reserve('K-1', 0));
    // 100 per 30 s binds after the first 100: 20 every 2 s fills 100 by 8 s, the next 100 start at 30 s.
    expect(sends[99]).toBe(8_000);
    expect(sends[100]).toBe(30_000);
    expect(sends[200]).toBe(60_000);
    assertWithinLimits(sends);
  });
});
