import { describe, expect, it } from 'vitest';
import { cycleOffsetFraction, parseCyclePeriodMs } from './cycle-period.js';

const DAY_MS = 86_400_000;

describe('parseCyclePeriodMs', () => {
  it.each([
    ['P7D', 7 * DAY_MS],
    ['P14D', 14 * DAY_MS],
    ['P2W', 14 * DAY_MS],
    ['PT12H', DAY_MS / 2],
    ['P1DT6H30M', DAY_MS + 6.5 * 3600_000],
    [' p7d ', 7 * DAY_MS],
  ])('reads %s', (header, ms) => {
    expect(parseCyclePeriodMs(header)).toBe(ms);
  });

  it.each([null, undefined, '', 'P', 'PT', '7 days', 'P0D', '604800', 'P-1D'])(
    'refuses %s',
    (header) => {
      expect(parseCyclePeriodMs(header)).toBeUndefined();
    },
  );
});

describe('cycleOffsetFraction', () => {
  it('is stable per id and spreads ids over the cycle', () => {
    expect(cycleOffsetFraction('abc')).toBe(cycleOffsetFraction('abc'));
    const tenths = new Set(
      Array.from({ length: 200 }, (_, i) => Math.floor(cycleOffsetFraction(`id-${i}`) * 10)),
    );
    expect(tenths.size).toBe(10);
    for (let i = 0; i < 50; i++) {
      const fraction = cycleOffsetFraction(`x-${i}`);
      expect(fraction).toBeGreaterThanOrEqual(0);
      expect(fraction).toBeLessThan(1);
    }
  });
});
