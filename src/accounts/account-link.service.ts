import { AccountRemovalHooks } from './account-removal-hooks.js';
import { AccountViews } from './account-views.js';
import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectAtlassianRepository } from './atlassian-data-source.js';
import { Not, QueryFailedError, type Repository } from 'typeorm';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AccountOwnedByAnotherUserError } from '../errors/account-conflict.error.js';
import type { AppRequest } from '../http/app-request.interface.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import type {
  ProviderProfile,
  SiteData,
  TokenSet,
} from '../providers/provider-profile.interface.js';
import type { OAuthFlowState } from '../state/oauth-flow-state.interface.js';
import { TokenCipher, tokenBinding } from '../crypto/token-cipher.js';
import { AtlassianSite } from './entities/atlassian-site.entity.js';
import { LinkedAccount, type LinkedAccountProvider } from './entities/linked-account.entity.js';
import {
  toLinkedAccountView,
  toSiteView,
  type AuthenticatedUser,
  type LinkedAccountView,
  type SiteView,
} from './linked-account.view.js';
import { SiteSynchronizer } from './site-synchronizer.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import { AccountNotLinkedError } from '../errors/token-errors.js';
import { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import { fetchAccountProfile } from './profile-fetch.js';

/**
 * Everything a successful callback brings back.
 * @internal
 */
export interface CompleteSignInInput {
  provider: LinkedAccountProvider;
  profile: ProviderProfile;
  tokens: TokenSet;
  /** Atlassian sites the grant covers; `null` for providers without sites (Bitbucket). */
  sites: SiteData[] | null;
  flow: OAuthFlowState;
  request: AppRequest;
}

/** One person: their Atlassian account id and the linked accounts (Atlassian, Bitbucket) that carry it. */
export interface AtlassianIdentity {
  atlassianAccountId: string;
  accounts: LinkedAccountView[];
}

/**
 * Who owns which provider account. A provider account belongs to one app user: signing in again
 * updates it, linking it to someone else is refused, and nothing is ever matched by email.
 */
@Injectable()
export class AccountLinkService {
  private readonly siteSynchronizer = new SiteSynchronizer();

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @InjectAtlassianRepository(LinkedAccount) private readonly accounts: Repository<LinkedAccount>,
    @InjectAtlassianRepository(AtlassianSite) private readonly sites: Repository<AtlassianSite>,
    private readonly cipher: TokenCipher,
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
    private readonly views: AccountViews,
    private readonly tokens: AtlassianTokenService,
    private readonly removalHooks: AccountRemovalHooks,
  ) {}

  /**
   * Stores the result of a callback in one transaction: the account, its encrypted tokens, its sites.
   * @internal Called by the strategies with the plain tokens of a callback.
   */
  async completeSignIn(input: CompleteSignInInput): Promise<AuthenticatedUser> {
    let signedIn: AuthenticatedUser;
    try {
      signedIn = await this.storeSignIn(input);
    } catch (err) {
      // Two first sign-ins of one account at once: the loser's insert hits the unique key; the retry updates.
      if (!isUniqueViolation(err)) throw err;
      signedIn = await this.storeSignIn(input);
    }
    // Its sites or scopes may have changed: the API clients read it again.
    this.views.forget(signedIn.account.id);
    return signedIn;
  }

  /** The accounts an app user has linked, with their sites; never tokens. */
  async listForUser(userId: string): Promise<LinkedAccountView[]> {
    const accounts = await this.accounts.find({
      where: { userId },
      relations: { sites: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return accounts.map((account) => toLinkedAccountView(account, account.sites ?? []));
  }

  /** One linked account by its id, or `null`. */
  async findById(accountId: string): Promise<LinkedAccountView | null> {
    const account = await this.accounts.findOne({
      where: { id: accountId },
      relations: { sites: true },
    });
    return account ? toLinkedAccountView(account, account.sites ?? []) : null;
  }

  /**
   * The user's linked accounts grouped by Atlassian account id: an Atlassian and a Bitbucket account
   * of the same person (Bitbucket reports the same `account_id`) form one identity. Never by email.
   */
  async identitiesForUser(userId: string): Promise<AtlassianIdentity[]> {
    const groups = new Map<string, LinkedAccountView[]>();
    for (const account of await this.listForUser(userId)) {
      groups.set(account.providerAccountId, [
        ...(groups.get(account.providerAccountId) ?? []),
        account,
      ]);
    }
    return [...groups].map(([atlassianAccountId, accounts]) => ({ atlassianAccountId, accounts }));
  }

  /** An app user's account of a provider (the first linked, when several), or `null`. */
  async findForUser(
    userId: string,
    provider: LinkedAccountProvider,
  ): Promise<LinkedAccountView | null> {
    const account = await this.accounts.findOne({
      where: { userId, provider },
      relations: { sites: true },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
    return account ? toLinkedAccountView(account, account.sites ?? []) : null;
  }

  /** The link of a provider account, or `null` when nobody has linked it. */
  async findByProviderAccount(
    provider: LinkedAccountProvider,
    providerAccountId: string,
  ): Promise<LinkedAccountView | null> {
    const account = await this.accounts.findOne({
      where: { provider, providerAccountId },
      relations: { sites: true },
    });
    return account ? toLinkedAccountView(account, account.sites ?? []) : null;
  }

  /**
   * Removes an account of this user with its sites and tokens, and first what it keeps at the
   * provider (its webhooks, with the token that still works); false when the user has no such account.
   */
  async unlink(userId: string, accountId: string): Promise<boolean> {
    if (await this.accounts.existsBy({ id: accountId, userId }))
      await this.removalHooks.beforeRemoval(accountId);
    const result = await this.accounts.delete({ id: accountId, userId });
    this.views.forget(accountId);
    return (result.affected ?? 0) > 0;
  }

  /**
   * Reads the account's profile from its provider again, with the account's own token (through the
   * token service, so the refresh rules hold), and stores it with email, display name, avatar and a new
   * `profileFetchedAt`. Throws `AccountNotLinkedError` when there is no such account, and
   * `AtlassianReauthRequiredError` when no token can read the profile (the consent is gone, refused, or
   * the provider refuses even a fresh token); `AtlassianTokenRefreshError` or `AtlassianApiError` (502)
   * when it failed for a reason that may pass.
   */
  async refreshProfile(accountId: string): Promise<LinkedAccountView> {
    const account = await this.accounts.findOneBy({ id: accountId });
    if (!account) throw new AccountNotLinkedError(`account ${accountId}`);
    const fetched = await fetchAccountProfile(
      { tokens: this.tokens, options: this.options, now: () => this.clock.now() },
      account,
    );
    await this.accounts.update({ id: accountId }, profileValues(fetched));
    this.views.forget(accountId);
    const view = await this.findById(accountId);
    if (!view) throw new AccountNotLinkedError(`account ${accountId}`);
    return view;
  }

  /**
   * Replaces an account's sites with a fresh accessible-resources list (sites that disappeared are removed).
   * @internal Called by the API client when it re-reads the sites.
   */
  async replaceSites(accountId: string, sites: SiteData[]): Promise<SiteView[]> {
    const stored = await this.sites.manager.transaction((em) =>
      this.siteSynchronizer.sync(em, accountId, sites),
    );
    this.views.forget(accountId);
    return stored.map(toSiteView).sort((a, b) => a.url.localeCompare(b.url));
  }

  private async storeSignIn(input: CompleteSignInInput): Promise<AuthenticatedUser> {
    const { provider, profile, flow } = input;
    const key = { provider, providerAccountId: profile.providerAccountId };
    const existing = await this.accounts.findOneBy(key);
    this.assertMayLink(existing, flow);
    // The same Atlassian account id on the other provider is the same person: keep them together.
    const sibling = existing
      ? null
      : await this.accounts.findOneBy({
          provider: Not(provider),
          providerAccountId: profile.providerAccountId,
        });
    this.assertMayLink(sibling, flow);
    // Asked outside the transaction: the host's resolver may use the same database.
    const userId =
      existing?.userId ??
      sibling?.userId ??
      (flow.mode === 'link'
        ? flow.linkUserId!
        : await this.options.resolveUser({ provider, profile, request: input.request }));
    return this.accounts.manager.transaction(async (em) => {
      const current = await em.findOneBy(LinkedAccount, key);
      if (current && current.userId !== userId) throw new AccountOwnedByAnotherUserError(provider);
      const id = current?.id ?? randomUUID();
      const values = this.signInValues(id, input);
      if (current) {
        // Every column written, whatever this transaction read: the newest consent wins over a refresh
        // in flight, whose lease this ends (its fenced write then finds the row taken).
        await em
          .createQueryBuilder()
          .update(LinkedAccount)
          .set({ ...values, refreshLeaseOwner: null, refreshLeaseExpiresAt: null })
          .where('id = :id', { id })
          .execute();
      } else {
        await em.insert(LinkedAccount, { ...key, userId, id, ...values });
      }
      const account = await em.findOneByOrFail(LinkedAccount, { id });
      const sites = input.sites
        ? await this.siteSynchronizer.sync(em, account.id, input.sites)
        : [];
      const view = toLinkedAccountView(account, sites);
      return {
        userId,
        provider,
        mode: flow.mode,
        isNewAccount: !current,
        account: view,
        sites: view.sites,
        profile: view.profile,
        profileFetchedAt: view.profileFetchedAt,
        returnTo: flow.returnTo,
      };
    });
  }

  private assertMayLink(existing: LinkedAccount | null, flow: OAuthFlowState): void {
    if (existing && flow.mode === 'link' && existing.userId !== flow.linkUserId) {
      throw new AccountOwnedByAnotherUserError(existing.provider);
    }
  }

  /** What a sign-in stores: the profile, the new grant's tokens (bound to the row), a fresh consent. */
  private signInValues(accountId: string, { profile, tokens }: CompleteSignInInput) {
    // The module's clock, as every other date of the token lifecycle: a forced refresh compares against it.
    const now = this.clock.now();
    return {
      ...profileValues(profile),
      scopes: tokens.scopes,
      accessTokenEncrypted: this.cipher.encrypt(
        tokens.accessToken,
        tokenBinding(accountId, 'access'),
      ),
      // A new grant without a refresh token must not keep the old grant's.
      refreshTokenEncrypted: tokens.refreshToken
        ? this.cipher.encrypt(tokens.refreshToken, tokenBinding(accountId, 'refresh'))
        : null,
      accessTokenExpiresAt: tokens.accessTokenExpiresAt,
      lastRefreshedAt: now,
      consentedAt: now,
      consentExpiryNotifiedAt: null,
      refreshFailureCount: 0,
      nextRefreshAttemptAt: null,
      lastRefreshError: null,
      status: 'active' as const,
      statusReason: null,
    };
  }
}

/** The personal data columns, as one fetch of the profile fills them. */
function profileValues(profile: ProviderProfile) {
  return {
    email: profile.email,
    displayName: profile.displayName,
    avatarUrl: profile.avatarUrl,
    profile: profile.profile,
    profileFetchedAt: profile.profileFetchedAt,
  };
}

function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err as QueryFailedError & { driverError?: { code?: string } }).driverError?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
