import { AtlassianAccountInactiveError } from '../errors/account-inactive.error.js';
import type { ProviderProfile } from '../providers/provider-profile.interface.js';

/**
 * Refuses an account the provider does not report as `active` (`requireActiveAccount`). An answer
 * without `account_status` is refused too: nothing proves the account active.
 */
export function assertActiveAccount(profile: ProviderProfile, providerName: string): void {
  const status: unknown = profile.profile.account_status;
  if (status === 'active') return;
  throw new AtlassianAccountInactiveError(providerName, typeof status === 'string' ? status : null);
}
