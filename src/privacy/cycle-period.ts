import { createHash } from 'node:crypto';

const SECOND_MS = 1000;
const UNIT_MS: Record<string, number> = {
  Y: 365 * 86_400 * SECOND_MS,
  W: 7 * 86_400 * SECOND_MS,
  D: 86_400 * SECOND_MS,
  H: 3600 * SECOND_MS,
  S: SECOND_MS,
};

const DURATION =
  /^P(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/**
 * An ISO 8601 duration (`Cycle-Period: P7D`, `P14D`, `PT12H`) in ms, or undefined when it is not one
 * or is zero. A year counts 365 days and a month 30: a cycle is a span, not a calendar date.
 */
export function parseCyclePeriodMs(header: string | null | undefined): number | undefined {
  const match = DURATION.exec((header ?? '').trim().toUpperCase());
  if (!match || match.slice(1).every((part) => part === undefined)) return undefined;
  const [, years, months, weeks, days, hours, minutes, seconds] = match.map(Number);
  const ms =
    (years || 0) * UNIT_MS.Y +
    (months || 0) * 30 * UNIT_MS.D +
    (weeks || 0) * UNIT_MS.W +
    (days || 0) * UNIT_MS.D +
    (hours || 0) * UNIT_MS.H +
    (minutes || 0) * 60 * SECOND_MS +
    (seconds || 0) * UNIT_MS.S;
  return ms > 0 ? Math.round(ms) : undefined;
}

/**
 * Where in the cycle an account's reports fall, as a fraction in [0, 1): stable per account id, so
 * that the accounts reported together at first spread over the following cycle instead of coming
 * due all at once, and stay spread.
 */
export function cycleOffsetFraction(accountId: string): number {
  return createHash('sha256').update(accountId).digest().readUInt32BE(0) / 2 ** 32;
}
