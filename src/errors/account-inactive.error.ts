import { HttpStatus } from '@nestjs/common';
import { quoteUntrusted } from '../strategies/sign-in-request.js';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/**
 * `requireActiveAccount` is on and the provider reports the signing-in account as not active
 * (`account_status` other than `active`, e.g. deactivated or closed): the sign-in is refused and
 * nothing is stored (403).
 */
export class AtlassianAccountInactiveError extends AtlassianError {
  constructor(
    /** `Atlassian` or `Bitbucket`. */
    readonly providerName: string,
    /** The provider's `account_status`, or null when its answer had none. */
    readonly accountStatus: string | null,
  ) {
    const status =
      accountStatus === null
        ? 'no account_status'
        : `account_status ${quoteUntrusted(accountStatus, 64)}`;
    super(
      AtlassianErrorCode.AccountInactive,
      `This ${providerName} account is not active (${status}) and this app accepts active accounts only. Nothing was linked: ask the organization's Atlassian admin to reactivate the account, then sign in again.`,
      HttpStatus.FORBIDDEN,
    );
  }
}
