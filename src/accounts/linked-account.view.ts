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
