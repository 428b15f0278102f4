import { describe, expect, it } from 'vitest';
import { offsetDateClass } from './worker-clock-offset.js';

describe('offsetDateClass', () => {
  const OffsetDate = offsetDateClass(90_000);

  it('shifts "now" only: Date.now() and new Date() run 90 s ahead, an explicit moment is kept', () => {
    const real = Date.now();
    expect(OffsetDate.now() - real).toBeGreaterThanOrEqual(90_000);
    expect(OffsetDate.now() - real).toBeLessThan(91_000);
    expect(new OffsetDate().getTime() - real).toBeGreaterThanOrEqual(90_000);
    expect(new OffsetDate(0).getTime()).toBe(0);
    expect(new OffsetDate('2026-03-01T10:00:00Z').toISOString()).toBe('2026-03-01T10:00:00.000Z');
    expect(new OffsetDate(2026, 2, 1).getFullYear()).toBe(2026);
    expect(OffsetDate.UTC(2026, 0, 1)).toBe(Date.UTC(2026, 0, 1));
    expect(OffsetDate.parse('2026-01-01T00:00:00Z')).toBe(Date.parse('2026-01-01T00:00:00Z'));
  });

  it('makes Dates that are real Dates, and counts real Dates (structured clones) as its own', () => {
    const shifted = new OffsetDate();
    expect(shifted).toBeInstanceOf(Date);
    expect(new Date(0)).toBeInstanceOf(OffsetDate);
    expect(structuredClone(shifted).getTime()).toBe(shifted.getTime());
    expect(offsetDateClass(-5_000).now()).toBeLessThan(Date.now());
  });
});
