import type { AtlassianProfile } from './atlassian-profile.js';
import type { BitbucketProfile } from './bitbucket-profile.js';

/** A provider account as this package stores it: identity and profile, never tokens. */
export interface ProviderProfile {
  /** `atlassian` or `bitbucket`. */
  provider: string;
  /** Atlassian account id (the same id on Atlassian and Bitbucket). */
  providerAccountId: string;
  /** Email as the provider reports it; not proven verified, never used to link accounts. */
  email: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  /** The provider's whole answer: Atlassian's `/me`, or Bitbucket's `/2.0/user` with its primary email. */
  profile: AtlassianProfile | BitbucketProfile;
  /** When it was fetched. */
  profileFetchedAt: Date;
}

/** An Atlassian cloud site (accessible resource) the grant covers. */
export interface SiteData {
  cloudId: string;
  name: string;
  url: string;
  scopes: string[];
  avatarUrl: string | null;
}

/** Token endpoint response, normalised. */
export interface TokenSet {
  accessToken: string;
  refreshToken: string | null;
  /** Absolute expiry of the access token, or null when the provider did not say. */
  accessTokenExpiresAt: Date | null;
  /** Scopes granted, as the token endpoint reported them. */
  scopes: string[];
}
