import type { SiteView } from '../../accounts/linked-account.view.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import type { ApiAuth, ApiRequestExecutor } from '../api-request.executor.js';
import { ProductClient } from '../product-client.js';
import { selectSite, type AtlassianProduct, type SiteSelector } from '../site-selection.js';
import type { ServiceAccountTokens } from './service-account-tokens.js';

/** A service account's API: a client per product and site, as for a linked account. */
export interface AtlassianServiceAccountApi {
  /** Jira REST (`/rest/api/3/…`) on the chosen site, or the only Jira site the service account reaches. */
  jira(site?: SiteSelector): ProductClient;
  /** Confluence REST (`/wiki/api/v2/…`, `/wiki/rest/api/…`) on the chosen site, or the only Confluence site. */
  confluence(site?: SiteSelector): ProductClient;
  /** The sites the service account reaches (accessible-resources, read with its latest token). */
  sites(): Promise<SiteView[]>;
}

/** The API of the service account `name`, through the shared executor (retries, rate-limit pauses). */
export function serviceAccountApi(
  name: string,
  tokens: ServiceAccountTokens,
  options: NormalizedAtlassianOptions,
  executor: ApiRequestExecutor,
): AtlassianServiceAccountApi {
  // An unknown name fails here, at once, not at the first call.
  const { clientId } = tokens.credentials(name);
  const productClient = (product: AtlassianProduct, selector: SiteSelector | undefined) =>
    new ProductClient(async () => {
      const site = selectSite(await tokens.sites(name), product, selector);
      return {
        baseURL: `${options.atlassian.apiBaseURL}/ex/${product}/${site.cloudId}`,
        target: { product, cloudId: site.cloudId },
        auth: serviceAccountAuth(name, clientId, tokens, site.scopes),
      };
    }, executor);
  return {
    jira: (site) => productClient('jira', site),
    confluence: (site) => productClient('confluence', site),
    sites: () => tokens.sites(name),
  };
}

/** Bearer auth of a service account: its own client id, so its rate-limit quotas are its own. */
function serviceAccountAuth(
  name: string,
  clientId: string,
  tokens: ServiceAccountTokens,
  grantedScopes: string[],
): ApiAuth {
  return {
    clientId,
    getToken: () => tokens.getToken(name),
    forceRefresh: (rejected) => tokens.forceRefresh(name, rejected),
    grantedScopes: () => grantedScopes,
  };
}
