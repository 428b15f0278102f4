import { AccountLinkService } from '../accounts/account-link.service.js';

/**
 * Fetches a linked account's profile again with that account's own token and stores it (email,
 * names, avatar, profile, `profileFetchedAt`); throws when no token can fetch it. A test seam as an
 * injectable abstract class: `AccountLinkService.refreshProfile` is what the module binds to it.
 * @internal
 */
export abstract class ProfileRefresher {
  abstract refreshProfile(accountId: string): Promise<unknown>;
}

/** What {@link ProfileRefresher} needs of the account links. */
type RefreshesProfiles = Partial<ProfileRefresher>;

/**
 * `AccountLinkService.refreshProfile` as the {@link ProfileRefresher}: a link service without it (an
 * older build) makes every refresh fail, so the data is erased rather than kept unrefreshed.
 * @internal
 */
export function profileRefresherOf(links: AccountLinkService): ProfileRefresher {
  return {
    refreshProfile: async (accountId) => {
      const refresh = (links as RefreshesProfiles).refreshProfile;
      if (typeof refresh !== 'function')
        throw new Error('AccountLinkService.refreshProfile is not available in this build');
      return refresh.call(links, accountId);
    },
  };
}
