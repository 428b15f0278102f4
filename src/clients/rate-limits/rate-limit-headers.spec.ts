import { describe, expect, it } from 'vitest';
import { readRateLimitHeaders } from './rate-limit-headers.js';

const NOW = Date.parse('2026-12-02T10:59:30Z');
const read = (headers: Record<string, string>) => readRateLimitHeaders(new Headers(headers), NOW);

describe('readRateLimitHeaders', () => {
  it('reads the plain form of a quota 429', () => {
    expect(
      read({
        'RateLimit-Reason': 'jira-quota-global-based',
        'Retry-After': '30',
        'X-RateLimit-Limit': '65000',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '2026-12-02T11:00Z',
        'X-RateLimit-NearLimit': 'true',
        'RateLimit-Policy': '"global-app-quota";q=65000;w=3600',
        RateLimit: '"global-app-quota";r=0;t=30',
      }),
    ).toEqual({
      reason: 'jira-quota-global-based',
      retryAtMs: NOW + 30_000,
      limit: 65000,
      remaining: 0,
      resetAtMs: Date.parse('2026-12-02T11:00:00Z'),
      nearLimit: true,
      policy: 'global-app-quota',
    });
  });

  it('reads the trial form, and prefers the plain one when both come', () => {
    const beta = read({
      'Beta-RateLimit-Reason': 'jira-quota-tenant-based',
      'X-Beta-RateLimit-Remaining': '12',
      'X-Beta-RateLimit-NearLimit': 'true',
      'Beta-RateLimit-Policy': '"tenant-app-quota";q=100100;w=3600',
      'Beta-RateLimit': '"tenant-app-quota";r=12;t=2107',
    });
    expect(beta).toMatchObject({
      reason: 'jira-quota-tenant-based',
      remaining: 12,
      limit: 100100,
      nearLimit: true,
      resetAtMs: NOW + 2_107_000,
      retryAtMs: NOW + 2_107_000,
      policy: 'tenant-app-quota',
    });
    expect(
      read({
        'RateLimit-Reason': 'jira-burst-based',
        'Beta-RateLimit-Reason': 'jira-quota-global-based',
        'X-RateLimit-Remaining': '5',
        'X-Beta-RateLimit-Remaining': '9',
      }),
    ).toMatchObject({ reason: 'jira-burst-based', remaining: 5 });
  });

  it('leaves out what is absent or unreadable instead of guessing', () => {
    expect(read({})).toEqual({ nearLimit: false });
    expect(
      read({
        'X-RateLimit-Remaining': 'lots',
        'X-RateLimit-Reset': 'soon',
        RateLimit: 'garbage;;=',
        'Retry-After': '',
      }),
    ).toEqual({ nearLimit: false, policy: 'garbage' });
  });

  it('falls back to X-RateLimit-Reset when a 429 has no Retry-After (the gateway case)', () => {
    expect(read({ 'X-RateLimit-Reset': '2026-12-02T11:00Z' }).retryAtMs).toBe(
      Date.parse('2026-12-02T11:00:00Z'),
    );
  });
});
