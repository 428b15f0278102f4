import { afterEach, describe, expect, it, vi } from 'vitest';
import { effectiveSkewMs, isFresh, isUnexpired, nextAttemptAt } from './token-freshness.js';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const MINUTE_MS = 60_000;
const at = (offsetMs: number) => new Date(NOW.getTime() + offsetMs);
/** The delay `nextAttemptAt` chose, in ms from NOW. */
const delayOf = (next: Date) => next.getTime() - NOW.getTime();
/** Math.random returns `value` from now on. */
const randomReturns = (value: number) => vi.spyOn(Math, 'random').mockReturnValue(value);

afterEach(() => {
  vi.restoreAllMocks();
});

describe('nextAttemptAt', () => {
  it('doubles the delay with each failure, from baseMs at the first', () => {
    randomReturns(0.5);
    // Half the exponential delay plus half of it times Math.random: 0.75 of it here.
    expect(
      [1, 2, 3, 4, 5].map((failures) => delayOf(nextAttemptAt(NOW, failures, 1_000, 3_600_000))),
    ).toEqual([750, 1_500, 3_000, 6_000, 12_000]);
  });

  it('counts no failures yet (or a count below one) as the first', () => {
    randomReturns(0.5);
    expect(delayOf(nextAttemptAt(NOW, 0, 1_000, 3_600_000))).toBe(750);
    expect(delayOf(nextAttemptAt(NOW, -3, 1_000, 3_600_000))).toBe(750);
  });

  it('caps the exponential delay at maxMs, then jitters under the cap', () => {
    randomReturns(0.5);
    expect(delayOf(nextAttemptAt(NOW, 30, 1_000, 5_000))).toBe(3_750);
    randomReturns(0);
    expect(delayOf(nextAttemptAt(NOW, 1_000, 1_000, 5_000))).toBe(2_500);
  });

  it('jitters over the upper half of the delay: exactly half at random 0, at most all of it below 1', () => {
    randomReturns(0);
    expect(delayOf(nextAttemptAt(NOW, 3, 1_000, 3_600_000))).toBe(2_000);
    randomReturns(0.75);
    expect(delayOf(nextAttemptAt(NOW, 3, 1_000, 3_600_000))).toBe(3_500);
    randomReturns(1 - Number.EPSILON);
    const highest = delayOf(nextAttemptAt(NOW, 3, 1_000, 3_600_000));
    expect(highest).toBeGreaterThanOrEqual(3_999);
    expect(highest).toBeLessThanOrEqual(4_000);
  });

  it('keeps every real jitter within [delay / 2, delay]', () => {
    const delays = Array.from({ length: 500 }, () =>
      delayOf(nextAttemptAt(NOW, 2, 10_000, 3_600_000)),
    );
    expect(delays.filter((ms) => ms < 10_000 || ms > 20_000)).toEqual([]);
    // Not a constant: the point of jitter is that workers spread out.
    expect(new Set(delays).size).toBeGreaterThan(1);
  });

  it("waits for the provider's Retry-After when it is longer than the backoff, even past maxMs", () => {
    randomReturns(0.999);
    expect(delayOf(nextAttemptAt(NOW, 1, 1_000, 5_000, 60_000))).toBe(60_000);
    expect(delayOf(nextAttemptAt(NOW, 1, 1_000, 5_000, 7_200_000))).toBe(7_200_000);
  });

  it('keeps the backoff when Retry-After is shorter, or zero', () => {
    randomReturns(0.5);
    expect(delayOf(nextAttemptAt(NOW, 3, 1_000, 3_600_000, 500))).toBe(3_000);
    expect(delayOf(nextAttemptAt(NOW, 3, 1_000, 3_600_000, 0))).toBe(3_000);
  });
});

describe('effectiveSkewMs', () => {
  it('is the configured skew for a token that lives long enough', () => {
    expect(
      effectiveSkewMs(
        { lastRefreshedAt: NOW, accessTokenExpiresAt: at(60 * MINUTE_MS) },
        5 * MINUTE_MS,
      ),
    ).toBe(5 * MINUTE_MS);
  });

  it("is at most half the token's lifetime, so a short-lived token is not refreshed on every call", () => {
    expect(
      effectiveSkewMs({ lastRefreshedAt: NOW, accessTokenExpiresAt: at(MINUTE_MS) }, 5 * MINUTE_MS),
    ).toBe(30_000);
  });

  it('is never negative, and is the configured skew when either date is unknown', () => {
    expect(
      effectiveSkewMs({ lastRefreshedAt: NOW, accessTokenExpiresAt: at(-MINUTE_MS) }, MINUTE_MS),
    ).toBe(0);
    expect(effectiveSkewMs({ lastRefreshedAt: null, accessTokenExpiresAt: at(1) }, MINUTE_MS)).toBe(
      MINUTE_MS,
    );
    expect(effectiveSkewMs({ lastRefreshedAt: NOW, accessTokenExpiresAt: null }, MINUTE_MS)).toBe(
      MINUTE_MS,
    );
  });
});

describe('isFresh and isUnexpired', () => {
  const issuedAnHourAgo = (expiresInMs: number) => ({
    lastRefreshedAt: at(-60 * MINUTE_MS),
    accessTokenExpiresAt: at(expiresInMs),
  });

  it('a token is fresh until the skew before its expiry, and unexpired until the expiry itself', () => {
    const skew = 5 * MINUTE_MS;
    expect(isFresh(issuedAnHourAgo(skew + 1), NOW, skew)).toBe(true);
    expect(isFresh(issuedAnHourAgo(skew), NOW, skew)).toBe(false);
    expect(isUnexpired(issuedAnHourAgo(skew), NOW)).toBe(true);
    expect(isUnexpired(issuedAnHourAgo(1), NOW)).toBe(true);
    expect(isUnexpired(issuedAnHourAgo(0), NOW)).toBe(false);
  });

  it('a token of unknown expiry is both', () => {
    const unknown = { lastRefreshedAt: NOW, accessTokenExpiresAt: null };
    expect(isFresh(unknown, NOW, 5 * MINUTE_MS)).toBe(true);
    expect(isUnexpired(unknown, NOW)).toBe(true);
  });
});
