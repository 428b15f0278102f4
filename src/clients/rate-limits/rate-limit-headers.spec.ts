import { describe, expect, it } from 'vitest';
import { readRateLimitHeaders } from './rate-limit-headers.js';

const NOW = Date.parse('2026-12-02T10:59:30Z');
const read = (headers: Record<string, string>) => readRateLimitHeaders(new Headers(headers), NOW);

describe('readRateLimitHeaders', () => {
  it('reads the plain form of a quota 429, with both quotas of the structured fields', () => {
    expect(
      read({
        'RateLimit-Reason': 'jira-quota-global-based',
        'Retry-After': '30',
        'X-RateLimit-Limit': '65000',
        'X-RateLimit-Remaining': '0',
        'X-RateLimit-Reset': '2026-12-02T11:00Z',
        'X-RateLimit-NearLimit': 'true',
        'RateLimit-Policy': '"global-app-quota";q=65000;w=3600, "tenant-app-quota";q=100100;w=3600',
        RateLimit: '"global-app-quota";r=0;t=30, "tenant-app-quota";r=17842;t=30',
      }),
    ).toEqual({
      reason: 'jira-quota-global-based',
      retryAtMs: NOW + 30_000,
      limit: 65000,
      remaining: 0,
      resetAtMs: Date.parse('2026-12-02T11:00:00Z'),
      nearLimit: true,
      quotas: [
        { policy: 'global-app-quota', limit: 65000, remaining: 0, resetAtMs: NOW + 30_000 },
        { policy: 'tenant-app-quota', limit: 100100, remaining: 17842, resetAtMs: NOW + 30_000 },
      ],
    });
  });

  it('reads the trial form (Beta- and X-Beta- names), and prefers the plain one when both come', () => {
    expect(
      read({
        'X-Beta-RateLimit-Reason': 'jira-quota-tenant-based',
        'X-Beta-RateLimit-NearLimit': 'true',
        'X-Beta-RateLimit-Reset': '2026-12-02T11:00Z',
        'Beta-RateLimit-Policy': '"tenant-app-quota";q=100100;w=3600',
        'Beta-RateLimit': '"tenant-app-quota";r=0;t=30',
      }),
    ).toMatchObject({
      reason: 'jira-quota-tenant-based',
      nearLimit: true,
      retryAtMs: Date.parse('2026-12-02T11:00:00Z'),
      quotas: [{ policy: 'tenant-app-quota', limit: 100100, remaining: 0 }],
    });
    expect(
      read({
        'RateLimit-Reason': 'jira-burst-based',
        'X-Beta-RateLimit-Reason': 'jira-quota-global-based',
        RateLimit: '"tenant-app-quota";r=5;t=1',
        'Beta-RateLimit': '"tenant-app-quota";r=9;t=1',
      }),
    ).toMatchObject({ reason: 'jira-burst-based', quotas: [{ remaining: 5 }] });
  });

  it('leaves out what is absent or unreadable instead of guessing', () => {
    expect(read({})).toEqual({ nearLimit: false, quotas: [] });
    expect(
      read({
        'X-RateLimit-Remaining': 'lots',
        'X-RateLimit-Reset': 'soon',
        RateLimit: 'garbage;;=, "ok";r=;t=x',
        'Retry-After': '',
      }),
    ).toEqual({ nearLimit: false, quotas: [{ policy: 'garbage' }, { policy: 'ok' }] });
  });

  it('without Retry-After (the gateway case) takes X-RateLimit-Reset, else the reset of a spent quota', () => {
    expect(read({ 'X-RateLimit-Reset': '2026-12-02T11:00Z' }).retryAtMs).toBe(
      Date.parse('2026-12-02T11:00:00Z'),
    );
    expect(read({ RateLimit: '"a";r=0;t=20, "b";r=3;t=900' }).retryAtMs).toBe(NOW + 20_000);
    expect(read({ RateLimit: '"a";r=3;t=20' }).retryAtMs).toBeUndefined();
  });
});
