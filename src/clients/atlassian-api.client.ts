import { Inject, Injectable } from '@nestjs/common';
import type { LinkedAccountView, SiteView } from '../accounts/linked-account.view.js';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { AtlassianSiteSelectionError } from '../errors/api-errors.js';
import { loadAtlassianSites } from '../providers/atlassian.provider.js';
import type { TokenTarget } from '../tokens/token-target.js';
import { accountAuth, resolveAccount } from './account-auth.js';
import { LinkedAccountApi } from './linked-account-api.base.js';
import { ProductClient } from './product-client.js';
import {
  serviceAccountApi,
  type AtlassianServiceAccountApi,
} from './service-accounts/service-account-api.js';
import { ServiceAccountTokens } from './service-accounts/service-account-tokens.js';
import { selectSite, type AtlassianProduct, type SiteSelector } from './site-selection.js';

/** One linked Atlassian account's API: a client per product and site. */
export interface AtlassianAccountApi {
  /** Jira REST (`/rest/api/3/…`) on the chosen site, or the only Jira site. */
  jira(site?: SiteSelector): ProductClient;
  /** Confluence REST (`/wiki/api/v2/…`, `/wiki/rest/api/…`) on the chosen site, or the only Confluence site. */
  confluence(site?: SiteSelector): ProductClient;
  /** The account's sites, as stored. */
  sites(): Promise<SiteView[]>;
  /** Reads accessible-resources again and stores the result (a site that disappeared is removed). */
  syncSites(): Promise<SiteView[]>;
}

/**
 * A 404 that is about the site rather than the thing asked for: the gateway's answer for a cloudId
 * the grant does not reach (Jira's own 404s say "Issue does not exist…", "No project could be found…").
 */
const SITE_GONE = /\bsite\b|cloud ?id/i;

/**
 * Calls Jira and Confluence for a linked user: `forUser(userId).jira().get('/rest/api/3/myself')`.
 * The token comes from `AtlassianTokenService`; the site is picked by cloudId, URL or name.
 */
@Injectable()
export class AtlassianApiClient extends LinkedAccountApi<AtlassianAccountApi> {
  protected readonly provider = 'atlassian';
  /** When each account's sites were last re-synced after a rejection, by the module's clock. */
  private readonly siteChecks = new Map<string, number>();
  // A property, so the constructor stays the shared base's.
  @Inject(ServiceAccountTokens) private readonly serviceAccountTokens!: ServiceAccountTokens;

  /**
   * Calls as the service account `name` of the `serviceAccounts` option (its own token and quotas):
   * `forServiceAccount('robot').jira().get('/rest/api/3/myself')`. Throws
   * `atlassian_service_account_unknown` at once for a name that is not configured.
   */
  forServiceAccount(name: string): AtlassianServiceAccountApi {
    return serviceAccountApi(name, this.serviceAccountTokens, this.options, this.executor);
  }

  /** The sites of the app user's Atlassian account. */
  async listSites(userId: string): Promise<SiteView[]> {
    return (await this.account({ userId, provider: 'atlassian' }, true)).sites;
  }

  protected forTarget(target: TokenTarget): AtlassianAccountApi {
    return {
      jira: (site) => this.productClient(target, 'jira', site),
      confluence: (site) => this.productClient(target, 'confluence', site),
      sites: async () => (await this.account(target, true)).sites,
      syncSites: async () => this.syncSites(await this.account(target, true)),
    };
  }

  private productClient(
    target: TokenTarget,
    product: AtlassianProduct,
    selector: SiteSelector | undefined,
  ): ProductClient {
    return new ProductClient(async () => {
      let { account, cached } = await resolveAccount(
        this.accounts,
        this.views,
        target,
        'atlassian',
      );
      let site: SiteView;
      try {
        site = selectSite(account.sites, product, selector);
      } catch (error) {
        // A view from memory may predate a consent that added the site: ask the database once.
        if (!cached || !(error instanceof AtlassianSiteSelectionError)) throw error;
        ({ account } = await resolveAccount(this.accounts, this.views, target, 'atlassian', true));
        site = selectSite(account.sites, product, selector);
      }
      return {
        baseURL: `${this.options.atlassian.apiBaseURL}/ex/${product}/${site.cloudId}`,
        target: { product, cloudId: site.cloudId },
        auth: accountAuth(
          this.tokens,
          this.options.atlassian.clientId,
          account.id,
          site.scopes,
          (status, message) => this.siteRejected(account, site, product, status, message),
        ),
      };
    }, this.executor);
  }

  /**
   * A site that refuses a fresh token, or a 404 that names the site (not the product's own "issue
   * does not exist"), may have left the grant: re-sync the sites, at most once per account every
   * `api.siteRecheckMs`, and tell when it is gone.
   */
  private async siteRejected(
    account: LinkedAccountView,
    site: SiteView,
    product: AtlassianProduct,
    status: number,
    message: string,
  ): Promise<void> {
    if (status === 404 && !SITE_GONE.test(message)) return;
    const nowMs = this.clock.now().getTime();
    const checkedAt = this.siteChecks.get(account.id);
    if (checkedAt !== undefined && nowMs - checkedAt < this.options.api.siteRecheckMs) return;
    this.siteChecks.set(account.id, nowMs);
    const sites = await this.syncSites(account);
    if (!sites.some((s) => s.cloudId === site.cloudId)) {
      throw new AtlassianSiteSelectionError(
        AtlassianErrorCode.SiteNotFound,
        product,
        sites,
        `Site ${site.url} is no longer accessible to this account; ask the user to connect again and grant it, or choose another site.`,
      );
    }
  }

  private async syncSites(account: LinkedAccountView): Promise<SiteView[]> {
    const token = await this.tokens.getAccessToken({ accountId: account.id });
    return this.accounts.replaceSites(
      account.id,
      await loadAtlassianSites(
        this.options.atlassian.apiBaseURL,
        token,
        this.options.httpTimeoutMs,
      ),
    );
  }

  /** The account, read from the database (`fresh`) or through the views kept in memory. */
  private async account(target: TokenTarget, fresh = false): Promise<LinkedAccountView> {
    return (await resolveAccount(this.accounts, this.views, target, 'atlassian', fresh)).account;
  }
}
