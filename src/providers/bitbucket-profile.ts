/** A link of Bitbucket's `links` object. */
export interface BitbucketLink {
  href: string;
  name?: string;
}

/**
 * Bitbucket Cloud's `GET https://api.bitbucket.org/2.0/user` (scope `account`), as Bitbucket returned it
 * at the last sign-in or profile refresh, plus `email`, which `/2.0/user` never carries (it comes from
 * `/2.0/user/emails`). Optional fields are those Bitbucket documents as possibly absent; fields it adds
 * later are kept as they came.
 */
export interface BitbucketProfile {
  /** `user`. */
  type: 'user' | (string & {});
  /** Bitbucket's own id, in braces: `{xxxxxxxx-…}`. */
  uuid: string;
  /** The Atlassian account id (the same as `/me`'s). */
  account_id: string;
  /** Removed from most of Bitbucket's answers for privacy; do not rely on it. */
  username?: string;
  display_name: string;
  /** The name the person chose; not unique. */
  nickname: string;
  /** `active`, the only value Bitbucket documents so far. */
  account_status: 'active' | (string & {});
  /** When the account was created (ISO 8601). */
  created_on: string;
  /** Null when Bitbucket does not say. */
  has_2fa_enabled: boolean | null;
  is_staff: boolean;
  location: string | null;
  website?: string | null;
  /** `avatar`, `html`, `self`, `repositories`, … */
  links: {
    avatar?: BitbucketLink;
    html?: BitbucketLink;
    [name: string]: BitbucketLink | undefined;
  };
  /**
   * Added by this package: the confirmed primary address of `/2.0/user/emails`, or null when there is
   * none (or the consumer lacks the `email` scope).
   */
  email: string | null;
}
