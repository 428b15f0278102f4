/**
 * An Atlassian account's status: `active`; `inactive` (deactivated by an admin) or `closed` (deleted)
 * are the others Atlassian documents, and it may add more.
 */
export type AtlassianAccountStatus = 'active' | 'inactive' | 'closed' | (string & {});

/** What the person wrote in their Atlassian profile about their work; each field is absent when not filled in. */
export interface AtlassianExtendedProfile {
  job_title?: string;
  organization?: string;
  department?: string;
  location?: string;
}

/**
 * The user identity API's `GET https://api.atlassian.com/me` (scope `read:me`), as Atlassian returned it at
 * the last sign-in or profile refresh. Optional fields are those Atlassian documents as possibly absent;
 * fields it adds later are kept as they came.
 */
export interface AtlassianProfile {
  /** The Atlassian account id (the same on Bitbucket). */
  account_id: string;
  /** `atlassian` (a person), `app` (a service or app account) or `customer` (a Jira Service Management customer). */
  account_type: 'atlassian' | 'app' | 'customer' | (string & {});
  /** The account's email; not proven verified, never used to link accounts. */
  email: string;
  /** Whether Atlassian verified the email; Atlassian does not always say. */
  email_verified?: boolean;
  /** Full name, as the person's privacy settings show it. */
  name: string;
  /** Avatar URL. */
  picture: string;
  account_status: AtlassianAccountStatus;
  /** Public name. */
  nickname: string;
  /** IANA time zone, e.g. `Europe/London`. */
  zoneinfo?: string;
  /** Locale, e.g. `en-GB`. */
  locale?: string;
  extended_profile?: AtlassianExtendedProfile;
  /** Traits of the account, e.g. `not_mentionable`. */
  characteristics?: { not_mentionable?: boolean };
  /** When the person last changed the profile (ISO 8601), when Atlassian says. */
  last_updated?: string;
}
