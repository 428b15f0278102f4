import { Injectable } from '@nestjs/common';
import type { ApiCallTarget } from '../../errors/api-errors.js';
import type { RateLimitReading } from './rate-limit-headers.js';

/** What the latest answer of a product on a site said about a rate-limit budget. */
export interface RateLimitBudget {
  product: string;
  /** The site; undefined for Bitbucket. */
  cloudId?: string;
  /** The budget's policy as the answer named it (e.g. `tenant-app-quota`); undefined when it named none. */
  policy?: string;
  limit?: number;
  remaining?: number;
  resetAt?: Date;
  /** The answer said less than 20% of a budget is left (`X-RateLimit-NearLimit`). */
  nearLimit: boolean;
  /** When this answer came. */
  observedAt: Date;
}

/**
 * The latest budget each product and site reported in this process (answers carry it on successes
 * too), for `rateLimitBudgets()` and the metrics. Only answers with budget headers are kept.
 */
@Injectable()
export class RateLimitBudgets {
  private readonly latest = new Map<string, RateLimitBudget>();

  observe(target: ApiCallTarget, reading: RateLimitReading, nowMs: number): void {
    const budgets: Array<Pick<RateLimitBudget, 'policy' | 'limit' | 'remaining' | 'resetAt'>> =
      reading.quotas.map((quota) => ({
        policy: quota.policy,
        limit: quota.limit,
        remaining: quota.remaining,
        resetAt: quota.resetAtMs === undefined ? undefined : new Date(quota.resetAtMs),
      }));
    // Without the structured fields, the X-RateLimit-* headers are the only budget the answer names.
    if (budgets.length === 0 && (reading.remaining !== undefined || reading.limit !== undefined)) {
      budgets.push({
        limit: reading.limit,
        remaining: reading.remaining,
        resetAt: reading.resetAtMs === undefined ? undefined : new Date(reading.resetAtMs),
      });
    }
    for (const budget of budgets) {
      this.latest.set(`${target.product}|${target.cloudId ?? ''}|${budget.policy ?? ''}`, {
        product: target.product,
        cloudId: target.cloudId,
        ...budget,
        nearLimit: reading.nearLimit,
        observedAt: new Date(nowMs),
      });
    }
  }

  /** Every budget seen, most recently observed first. */
  all(): RateLimitBudget[] {
    return [...this.latest.values()].sort(
      (a, b) => b.observedAt.getTime() - a.observedAt.getTime(),
    );
  }
}
