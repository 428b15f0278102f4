import type { SiteView } from '../accounts/linked-account.view.js';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { AtlassianSiteSelectionError } from '../errors/api-errors.js';

/** The Atlassian products reached through `https://api.atlassian.com/ex/{product}/{cloudId}`. */
export type AtlassianProduct = 'jira' | 'confluence';

/** A site by cloudId, by URL (`https://acme.atlassian.net`) or by name. */
export type SiteSelector = string | { cloudId: string } | { url: string } | { name: string };

/**
 * A site can serve a product when one of its scopes is that product's: classic scopes name it
 * (`read:jira-work`, `read:confluence-space.summary`), granular ones end with it (`read:page:confluence`).
 */
export function isEligible(site: SiteView, product: AtlassianProduct): boolean {
  return site.scopes.some((scope) => scope.includes(product));
}

/**
 * Picks the site a call goes to; with several eligible sites and no choice, lists them in the error.
 * @internal
 */
export function selectSite(
  sites: SiteView[],
  product: AtlassianProduct,
  selector?: SiteSelector,
): SiteView {
  const eligible = sites.filter((site) => isEligible(site, product));
  if (selector === undefined) {
    if (eligible.length === 1) return eligible[0];
    const message =
      eligible.length === 0
        ? `No site of this account grants ${product} scopes; connect again with ${product} scopes.`
        : `This account reaches ${eligible.length} ${product} sites; choose one by cloudId, URL or name: ${eligible.map((s) => `${s.url} (${s.cloudId})`).join(', ')}.`;
    throw new AtlassianSiteSelectionError(
      eligible.length === 0 ? AtlassianErrorCode.SiteNotFound : AtlassianErrorCode.SiteRequired,
      product,
      eligible,
      message,
    );
  }
  const match = eligible.find((site) => matches(site, selector));
  if (match) return match;
  const known = sites.find((site) => matches(site, selector));
  throw new AtlassianSiteSelectionError(
    AtlassianErrorCode.SiteNotFound,
    product,
    eligible,
    known
      ? `Site ${known.url} does not grant ${product} scopes; choose another: ${eligible.map((s) => s.url).join(', ') || 'none'}.`
      : `No site of this account matches ${JSON.stringify(selector)}; choose one of: ${eligible.map((s) => `${s.url} (${s.cloudId})`).join(', ') || 'none'}.`,
  );
}

function matches(site: SiteView, selector: SiteSelector): boolean {
  if (typeof selector === 'string')
    return site.cloudId === selector || sameUrl(site.url, selector) || site.name === selector;
  if ('cloudId' in selector) return site.cloudId === selector.cloudId;
  if ('url' in selector) return sameUrl(site.url, selector.url);
  return site.name === selector.name;
}

function sameUrl(a: string, b: string): boolean {
  return a.replace(/\/+$/, '').toLowerCase() === b.replace(/\/+$/, '').toLowerCase();
}
