import { atlassianProvider } from '../src/providers/atlassian.provider.js';
import { normalizeOptions } from '../src/options/normalize-options.js';
import type { NormalizedAtlassianOptions } from '../src/options/normalized-options.interface.js';
import { count, figure, heading, note, ratio } from './support/report.js';

const DAY_SECONDS = 24 * 3600;
const ACCOUNTS = 1_000_000;
/** Shares of the accounts used on a day; the first is the one the README states. */
const DAILY_USAGE = [0.05, 0.25];

type SchedulerPolicy = NormalizedAtlassianOptions['refreshScheduler'];

/**
 * Token requests a day for `accounts` linked accounts of which a fixed share is used once a day and the
 * rest never, under a scheduler policy. Counted, not timed:
 * - a proactively refreshed account is refreshed every (token lifetime − window) seconds;
 * - a used account is refreshed ahead for `proactiveForUsedWithinMs` after its use (all day when that
 *   is a day or more), and once on demand at its use when its token expired meanwhile;
 * - an account never used is refreshed once every `keepAliveAfterDays` by the keep-alive;
 * - `proactiveForUsedWithinMs` 0 refreshes every account ahead, as before the policy.
 */
function tokenRequestsPerDay(policy: SchedulerPolicy, accounts: number, usedShare: number): number {
  const intervalSeconds =
    atlassianProvider.lifecycle.accessTokenLifetimeSeconds - policy.windowSeconds;
  const allDay = DAY_SECONDS / intervalSeconds;
  const withinSeconds = (policy.proactiveForUsedWithinMs ?? 0) / 1000;
  if (withinSeconds === 0) return accounts * allDay;
  const perUsedAccount =
    withinSeconds >= DAY_SECONDS ? allDay : 1 + Math.floor(withinSeconds / intervalSeconds);
  const used = accounts * usedShare;
  return used * perUsedAccount + (accounts - used) / policy.keepAliveAfterDays;
}

/** The default policy's token requests a day for a million accounts, beside every account refreshed ahead. */
export async function refreshPolicyBenchmark(): Promise<void> {
  const { refreshScheduler: policy } = normalizeOptions({
    atlassian: {
      clientId: 'bench',
      clientSecret: 'bench',
      callbackURL: 'https://app.example.com/auth/atlassian/callback',
    },
    encryptionKeys: [Buffer.alloc(32).toString('base64')],
  });
  const everyAccount = { ...policy, proactiveForUsedWithinMs: 0 };
  heading(
    `refresh policy: token requests a day for ${count(ACCOUNTS)} Atlassian accounts, default options vs every account refreshed ahead`,
  );
  note(
    `Defaults read from normalizeOptions: windowSeconds ${policy.windowSeconds}, proactiveForUsedWithinMs ${count(policy.proactiveForUsedWithinMs ?? 0)} (${(policy.proactiveForUsedWithinMs ?? 0) / 3_600_000} h), keepAliveAfterDays ${policy.keepAliveAfterDays}; access tokens live ${atlassianProvider.lifecycle.accessTokenLifetimeSeconds} s.`,
  );
  note(
    'Usage: a fixed share of the accounts used once a day (each use refreshes an expired token on demand), the rest never used (keep-alive only). Computed, not measured.',
  );
  for (const share of DAILY_USAGE) {
    const withPolicy = tokenRequestsPerDay(policy, ACCOUNTS, share);
    const before = tokenRequestsPerDay(everyAccount, ACCOUNTS, share);
    figure(
      `default policy, ${share * 100}% used daily (requests/day)`,
      count(withPolicy),
      `every account ahead: ${count(before)} (${ratio(before / withPolicy)} more)`,
    );
  }
}
