import type { AtlassianProfile } from '../providers/atlassian-profile.js';
import type { BitbucketProfile } from '../providers/bitbucket-profile.js';
import type { AtlassianSite } from './entities/atlassian-site.entity.js';
import type {
  LinkedAccount,
  LinkedAccountProvider,
  LinkedAccountStatus,
} from './entities/linked-account.entity.js';

/** A site as this package hands it out. */
export interface SiteView {
  cloudId: string;
  name: string;
  url: string;
  scopes: string[];
  avatarUrl: string | null;
}

/** A linked account as this package hands it out: everything but the tokens. */
export interface LinkedAccountView {
  id: string;
  userId: string;
  provider: LinkedAccountProvider;
  providerAccountId: string;
  email: string | null;
  displayName: string | null;
  avatarUrl: string | null;
  /**
   * The provider's profile as it returned it (Atlassian `/me`; Bitbucket `/2.0/user` with its primary
   * email), or null when none is kept (erased, or stored before profiles were kept).
   */
  profile: AtlassianProfile | BitbucketProfile | null;
  /** When email, names, avatar and profile were fetched from the provider; null when never (or erased). */
  profileFetchedAt: Date | null;
  scopes: string[];
  status: LinkedAccountStatus;
  statusReason: string | null;
  accessTokenExpiresAt: Date | null;
  lastRefreshedAt: Date | null;
  consentedAt: Date;
  createdAt: Date;
  updatedAt: Date;
  sites: SiteView[];
}

/** What the auth guards put in `req.user` after a successful callback. */
export interface AuthenticatedUser {
  /** The app user who owns the account. */
  userId: string;
  /** `atlassian` or `bitbucket`. */
  provider: LinkedAccountProvider;
  /** `sign-in` or `link`. */
  mode: 'sign-in' | 'link';
  /** True when this callback created the link (first sign-in or first link). */
  isNewAccount: boolean;
  account: LinkedAccountView;
  sites: SiteView[];
  /** The provider's profile just fetched (the account's `profile`). */
  profile: AtlassianProfile | BitbucketProfile | null;
  /** When it was fetched (the account's `profileFetchedAt`). */
  profileFetchedAt: Date | null;
  /** Relative path the login route was asked to return to, if any. */
  returnTo?: string;
}

/** Copies the public fields only, so a token can never ride along. */
export function toSiteView(site: AtlassianSite): SiteView {
  return {
    cloudId: site.cloudId,
    name: site.name,
    url: site.url,
    scopes: site.scopes,
    avatarUrl: site.avatarUrl,
  };
}

/** Copies the public fields only, so a token can never ride along. */
export function toLinkedAccountView(
  account: LinkedAccount,
  sites: AtlassianSite[],
): LinkedAccountView {
  return {
    id: account.id,
    userId: account.userId,
    provider: account.provider,
    providerAccountId: account.providerAccountId,
    email: account.email,
    displayName: account.displayName,
    avatarUrl: account.avatarUrl,
    profile: account.profile,
    profileFetchedAt: account.profileFetchedAt,
    scopes: account.scopes,
    status: account.status,
    statusReason: account.statusReason,
    accessTokenExpiresAt: account.accessTokenExpiresAt,
    lastRefreshedAt: account.lastRefreshedAt,
    consentedAt: account.consentedAt,
    createdAt: account.createdAt,
    updatedAt: account.updatedAt,
    sites: [...sites].sort((a, b) => a.url.localeCompare(b.url)).map(toSiteView),
  };
}
