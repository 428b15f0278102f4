import { describe, expect, it } from 'vitest';
import { parseRetryAfterMs, ProviderHttpError } from './provider-http.js';

const NOW = Date.parse('2026-11-01T12:00:00.000Z');

describe('parseRetryAfterMs', () => {
  it.each([
    ['120', 120_000],
    ['0', 0],
    ['1.5', 1_500],
    [' 30 ', 30_000],
  ])('reads delta-seconds %j as %i ms', (header, ms) => {
    expect(parseRetryAfterMs(header, NOW)).toBe(ms);
  });

  it('reads a negative delta as no wait', () => {
    expect(parseRetryAfterMs('-5', NOW)).toBe(0);
  });

  it('reads an HTTP date as the time left until it, from the given now', () => {
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 12:01:30 GMT', NOW)).toBe(90_000);
  });

  it('reads an HTTP date already past as no wait', () => {
    expect(parseRetryAfterMs('Sun, 01 Nov 2026 11:59:00 GMT', NOW)).toBe(0);
  });

  it('measures an HTTP date from the real time by default', () => {
    const inAMinute = new Date(Date.now() + 60_000).toUTCString();
    const ms = parseRetryAfterMs(inAMinute);
    // toUTCString drops the milliseconds: up to 1 s less, and a little more for the time this test takes.
    expect(ms).toBeGreaterThan(58_000);
    expect(ms).toBeLessThanOrEqual(60_000);
  });

  it.each([[null], [''], ['   '], ['soon'], ['Infinity'], ['12 seconds']])(
    'answers undefined for %j',
    (header) => {
      expect(parseRetryAfterMs(header, NOW)).toBeUndefined();
    },
  );
});

describe('ProviderHttpError', () => {
  it('keeps the kind, status, OAuth error, description, Retry-After and cause', () => {
    const cause = new Error('socket hang up');
    const error = new ProviderHttpError('transient', 429, 'rate_limited', 'token endpoint 429', {
      cause,
      retryAfterMs: 7_000,
      oauthErrorDescription: 'slow down',
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'ProviderHttpError',
      message: 'token endpoint 429',
      kind: 'transient',
      status: 429,
      oauthError: 'rate_limited',
      oauthErrorDescription: 'slow down',
      retryAfterMs: 7_000,
      cause,
    });
  });

  it('leaves the optional facts undefined for a network error', () => {
    const error = new ProviderHttpError('transient', undefined, undefined, 'unreachable');
    expect(error.status).toBeUndefined();
    expect(error.retryAfterMs).toBeUndefined();
    expect(error.oauthErrorDescription).toBeUndefined();
    expect(error.cause).toBeUndefined();
  });
});
