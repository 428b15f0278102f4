import { Injectable } from '@nestjs/common';
import type { LinkedAccountView, SiteView } from '../accounts/linked-account.view.js';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { AtlassianSiteSelectionError } from '../errors/api-errors.js';
import { loadAtlassianSites } from '../providers/atlassian.provider.js';
import type { TokenTarget } from '../tokens/token-target.js';
import { accountAuth, resolveAccount } from './account-auth.js';
import { LinkedAccountApi } from './linked-account-api.base.js';
import { ProductClient } from './product-client.js';
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
 * Calls Jira and Confluence for a linked user: `forUser(userId).jira().get('/rest/api/3/myself')`.
 * The token comes from `AtlassianTokenService`; the site is picked by cloudId, URL or name.
 */
@Injectable()
export class AtlassianApiClient extends LinkedAccountApi<AtlassianAccountApi> {
  protected readonly provider = 'atlassian';

  /** The sites of the app user's Atlassian account. */
  async listSites(userId: string): Promise<SiteView[]> {
    return (await this.account({ userId, provider: 'atlassian' })).sites;
  }

  protected forTarget(target: TokenTarget): AtlassianAccountApi {
    return {
      jira: (site) => this.productClient(target, 'jira', site),
      confluence: (site) => this.productClient(target, 'confluence', site),
      sites: async () => (await this.account(target)).sites,
      syncSites: async () => this.syncSites(await this.account(target)),
    };
  }

  private productClient(
    target: TokenTarget,
    product: AtlassianProduct,
    selector: SiteSelector | undefined,
  ): ProductClient {
    return new ProductClient(async () => {
      const account = await this.account(target);
      const site = selectSite(account.sites, product, selector);
      return {
        baseURL: `${this.options.atlassian.apiBaseURL}/ex/${product}/${site.cloudId}`,
        target: { product, cloudId: site.cloudId },
        auth: accountAuth(
          this.tokens,
          this.options.atlassian.clientId,
          account.id,
          site.scopes,
          () => this.assertSiteStillListed(account, site, product),
        ),
      };
    }, this.executor);
  }

  /** A site that refuses a fresh token, or answers 404, may have left the grant: re-sync and tell. */
  private async assertSiteStillListed(
    account: LinkedAccountView,
    site: SiteView,
    product: AtlassianProduct,
  ): Promise<void> {
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

  private account(target: TokenTarget): Promise<LinkedAccountView> {
    return resolveAccount(this.accounts, target, 'atlassian');
  }
}
