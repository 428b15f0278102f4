import type {
  LinkedAccount,
  LinkedAccountProvider,
} from '../accounts/entities/linked-account.entity.js';
import { atlassianProvider } from '../providers/atlassian.provider.js';
import { bitbucketProvider } from '../providers/bitbucket.provider.js';

const DAY_MS = 24 * 3600 * 1000;

/** Each provider's consent lifetime in days, or null when it has none (from the provider definitions). */
export const consentLifetimeDays: Record<LinkedAccountProvider, number | null> = {
  atlassian: atlassianProvider.lifecycle.consentLifetimeDays,
  bitbucket: bitbucketProvider.lifecycle.consentLifetimeDays,
};

/** When the account's consent runs out, or null when its provider sets no limit. */
export function consentExpiresAt(
  account: Pick<LinkedAccount, 'provider' | 'consentedAt'>,
): Date | null {
  const days = consentLifetimeDays[account.provider];
  return days === null ? null : new Date(account.consentedAt.getTime() + days * DAY_MS);
}

/** Consents given before this are due a warning `warningDays` ahead of their end. */
export function consentWarningThreshold(days: number, warningDays: number, now: Date): Date {
  return new Date(now.getTime() - (days - warningDays) * DAY_MS);
}
