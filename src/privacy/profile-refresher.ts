/**
 * Fetches a linked account's profile again with that account's own token and stores it (email,
 * names, avatar, profile, `profileFetchedAt`); throws when no token can fetch it. A test seam as an
 * injectable abstract class: the module binds `AccountLinkService` (its `refreshProfile`) to it.
 * Not exported from the package, yet declared: `PersonalDataActions`' declaration names it.
 */
export abstract class ProfileRefresher {
  abstract refreshProfile(accountId: string): Promise<unknown>;
}
