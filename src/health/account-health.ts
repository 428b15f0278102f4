import type { DataSource } from 'typeorm';
import { LinkedAccount } from '../accounts/entities/linked-account.entity.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import type { PartHealth } from './health-check.js';

/** Reasons shown with a count: the most frequent first. */
const REASONS_SHOWN = 3;

interface ReasonCount {
  reason: string | null;
  count: number;
}

/** Active accounts in refresh backoff, against `health.maxFailingRefreshAccounts`. */
export async function checkFailingRefreshes(
  dataSource: DataSource,
  { maxFailingRefreshAccounts: max }: NormalizedAtlassianOptions['health'],
): Promise<PartHealth> {
  const reasons = await countByReason(
    dataSource,
    'account.lastRefreshError',
    "account.status = 'active' AND (account.refreshFailureCount > 0 OR account.nextRefreshAttemptAt IS NOT NULL)",
  );
  return againstMax(
    reasons,
    max,
    (count, described) =>
      `${count} accounts are failing to refresh (more than health.maxFailingRefreshAccounts, ${max}); ` +
      `last errors: ${described}. They retry with backoff and their users get errors meanwhile: ` +
      `check the provider's status page and this app's network path and timeout to its token endpoint.`,
  );
}

/** Accounts waiting for their user to sign in again, against `health.maxReauthRequiredAccounts`. */
export async function checkReauthRequired(
  dataSource: DataSource,
  { maxReauthRequiredAccounts: max }: NormalizedAtlassianOptions['health'],
): Promise<PartHealth> {
  const reasons = await countByReason(
    dataSource,
    'account.statusReason',
    "account.status = 'reauth_required'",
  );
  return againstMax(
    reasons,
    max,
    (count, described) =>
      `${count} accounts need their user to sign in again (more than health.maxReauthRequiredAccounts, ${max}); ` +
      `reasons: ${described}. Many at once usually mean a changed client secret or a revoked app: ` +
      `check the OAuth client settings; otherwise ask those users to reconnect, or forget their accounts.`,
  );
}

/** Up while the accounts counted by reason are no more than `max`; down with `whyDown` otherwise. */
function againstMax(
  reasons: ReasonCount[],
  max: number,
  whyDown: (count: number, describedReasons: string) => string,
): PartHealth {
  const count = total(reasons);
  const details = { count, max, reasons };
  if (count <= max) return { status: 'up', ...details };
  return { status: 'down', ...details, reason: whyDown(count, describe(reasons)) };
}

async function countByReason(
  dataSource: DataSource,
  reasonColumn: string,
  where: string,
): Promise<ReasonCount[]> {
  const rows = await dataSource
    .getRepository(LinkedAccount)
    .createQueryBuilder('account')
    .select(reasonColumn, 'reason')
    .addSelect('COUNT(*)', 'count')
    .where(where)
    .groupBy(reasonColumn)
    .getRawMany<{ reason: string | null; count: string | number }>();
  return rows
    .map((row) => ({ reason: row.reason, count: Number(row.count) }))
    .sort((a, b) => b.count - a.count);
}

function total(reasons: ReasonCount[]): number {
  return reasons.reduce((sum, { count }) => sum + count, 0);
}

function describe(reasons: ReasonCount[]): string {
  const shown = reasons
    .slice(0, REASONS_SHOWN)
    .map(({ reason, count }) => `${JSON.stringify(reason ?? 'unknown')} (${count})`);
  if (reasons.length > REASONS_SHOWN) shown.push(`${reasons.length - REASONS_SHOWN} more`);
  return shown.join(', ');
}
