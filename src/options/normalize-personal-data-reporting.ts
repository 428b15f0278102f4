import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { REPORT_ACCOUNTS_MAX } from '../privacy/report-accounts.protocol.js';
import type { PersonalDataReportingOptions } from './atlassian-module-options.interface.js';
import { assertNumbers } from './option-assertions.js';

const DAY_MS = 24 * 3600_000;

/** Validates `personalDataReporting` and applies its defaults. */
export function normalizePersonalDataReporting(
  input: PersonalDataReportingOptions | undefined,
  httpTimeoutMs: number,
): Required<PersonalDataReportingOptions> {
  const options: Required<PersonalDataReportingOptions> = {
    enabled: true,
    cron: '0 17 3 * * *',
    cyclePeriodMs: 7 * DAY_MS,
    batchSize: REPORT_ACCOUNTS_MAX,
    maxGrantAttempts: 3,
    leaseMs: 300_000,
    ...Object.fromEntries(Object.entries(input ?? {}).filter(([, value]) => value !== undefined)),
  };
  assertNumbers('personalDataReporting', options, {
    cyclePeriodMs: 60_000,
    batchSize: 1,
    maxGrantAttempts: 1,
    leaseMs: 1,
  });
  if (!Number.isInteger(options.batchSize) || options.batchSize > REPORT_ACCOUNTS_MAX)
    throw new AtlassianOptionsError(
      'personalDataReporting.batchSize',
      `must be a whole number from 1 to ${REPORT_ACCOUNTS_MAX} (Atlassian refuses larger reports); got ${options.batchSize}.`,
    );
  if (options.leaseMs <= options.maxGrantAttempts * httpTimeoutMs)
    throw new AtlassianOptionsError(
      'personalDataReporting.leaseMs',
      `(${options.leaseMs}) must be longer than maxGrantAttempts × httpTimeoutMs (${options.maxGrantAttempts * httpTimeoutMs}), or another instance could report the same batch.`,
    );
  if (typeof options.cron !== 'string' || options.cron.trim() === '')
    throw new AtlassianOptionsError(
      'personalDataReporting.cron',
      `must be a cron expression such as '0 17 3 * * *'; got ${JSON.stringify(options.cron)}.`,
    );
  return options;
}
