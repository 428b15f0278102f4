import { describe, expect, it } from 'vitest';
import type { SiteView } from '../accounts/linked-account.view.js';
import { AtlassianErrorCode, AtlassianSiteSelectionError } from '../errors/index.js';
import { isEligible, selectSite, type SiteSelector } from './site-selection.js';

function site(name: string, scopes: string[]): SiteView {
  return {
    cloudId: `cloud-${name}`,
    name,
    url: `https://${name}.atlassian.net`,
    scopes,
    avatarUrl: null,
  };
}

const acme = site('acme', ['read:jira-work', 'read:jira-user']);
const globex = site('globex', ['read:jira-work', 'read:confluence-space.summary']);
const initech = site('initech', ['read:page:confluence']);
const umbrella = site('umbrella', ['read:me']);

/** The error `selectSite` throws, to assert on its code, status, sites and message. */
function selectionError(
  sites: SiteView[],
  product: 'jira' | 'confluence',
  selector?: SiteSelector,
): AtlassianSiteSelectionError {
  const outcome = (() => {
    try {
      return selectSite(sites, product, selector);
    } catch (error) {
      return error;
    }
  })();
  expect(outcome).toBeInstanceOf(AtlassianSiteSelectionError);
  return outcome as AtlassianSiteSelectionError;
}

describe('isEligible', () => {
  it.each([
    ['a classic scope names the product', acme, 'jira', true],
    ['a classic scope of the other product', acme, 'confluence', false],
    ['a granular scope ends with the product', initech, 'confluence', true],
    ['a granular scope of the other product', initech, 'jira', false],
    ['one of several scopes is enough', globex, 'confluence', true],
    ['no product scope at all', umbrella, 'jira', false],
  ] as const)('%s: %s for %s is %s', (_label, candidate, product, eligible) => {
    expect(isEligible(candidate, product)).toBe(eligible);
  });

  it('a site without scopes serves nothing', () => {
    expect(isEligible(site('empty', []), 'jira')).toBe(false);
  });
});

describe('selectSite', () => {
  it('picks the only site without a selector', () => {
    expect(selectSite([acme], 'jira')).toBe(acme);
  });

  it('picks the only eligible site among several without a selector', () => {
    expect(selectSite([acme, initech, umbrella], 'confluence')).toBe(initech);
    expect(selectSite([initech, acme, umbrella], 'jira')).toBe(acme);
  });

  it('asks for a choice (400 site_required) with several eligible sites, and lists them', () => {
    const error = selectionError([acme, initech, globex], 'jira');
    expect(error.code).toBe(AtlassianErrorCode.SiteRequired);
    expect(error.getStatus()).toBe(400);
    expect(error.product).toBe('jira');
    expect(error.sites).toEqual([acme, globex]);
    expect(error.message).toBe(
      'This account reaches 2 jira sites; choose one by cloudId, URL or name: https://acme.atlassian.net (cloud-acme), https://globex.atlassian.net (cloud-globex).',
    );
    expect(error.getResponse()).toMatchObject({
      code: AtlassianErrorCode.SiteRequired,
      sites: [
        { cloudId: 'cloud-acme', name: 'acme', url: 'https://acme.atlassian.net' },
        { cloudId: 'cloud-globex', name: 'globex', url: 'https://globex.atlassian.net' },
      ],
    });
  });

  it('answers 404 site_not_found when no site grants the product, without a selector', () => {
    const error = selectionError([acme, umbrella], 'confluence');
    expect(error.code).toBe(AtlassianErrorCode.SiteNotFound);
    expect(error.getStatus()).toBe(404);
    expect(error.sites).toEqual([]);
    expect(error.message).toBe(
      'No site of this account grants confluence scopes; connect again with confluence scopes.',
    );
  });

  it('answers 404 site_not_found for an account without sites', () => {
    expect(selectionError([], 'jira').code).toBe(AtlassianErrorCode.SiteNotFound);
  });

  const sites = [acme, globex, initech];
  it.each<[string, SiteSelector]>([
    ['a cloudId', 'cloud-globex'],
    ['a URL', 'https://globex.atlassian.net'],
    ['a URL in other case, with a trailing slash', 'HTTPS://Globex.Atlassian.net/'],
    ['a name', 'globex'],
    ['{ cloudId }', { cloudId: 'cloud-globex' }],
    ['{ url }', { url: 'https://globex.atlassian.net//' }],
    ['{ name }', { name: 'globex' }],
  ])('picks the site chosen by %s', (_label, selector) => {
    expect(selectSite(sites, 'jira', selector)).toBe(globex);
  });

  it('a selector picks the chosen site even when it is the only eligible one', () => {
    expect(selectSite([acme], 'jira', 'acme')).toBe(acme);
  });

  it('reads an object selector only by its own field', () => {
    expect(selectionError(sites, 'jira', { name: 'cloud-globex' }).code).toBe(
      AtlassianErrorCode.SiteNotFound,
    );
    expect(selectionError(sites, 'jira', { cloudId: 'globex' }).code).toBe(
      AtlassianErrorCode.SiteNotFound,
    );
  });

  it('refuses a chosen site that does not grant the product (404), naming the ones that do', () => {
    const error = selectionError(sites, 'jira', 'initech');
    expect(error.code).toBe(AtlassianErrorCode.SiteNotFound);
    expect(error.getStatus()).toBe(404);
    expect(error.sites).toEqual([acme, globex]);
    expect(error.message).toBe(
      'Site https://initech.atlassian.net does not grant jira scopes; choose another: https://acme.atlassian.net, https://globex.atlassian.net.',
    );
  });

  it('refuses a selector that matches no site (404), listing the eligible ones, or none', () => {
    expect(selectionError(sites, 'confluence', { url: 'https://nowhere.example' }).message).toBe(
      'No site of this account matches {"url":"https://nowhere.example"}; choose one of: https://globex.atlassian.net (cloud-globex), https://initech.atlassian.net (cloud-initech).',
    );
    const none = selectionError([umbrella], 'jira', 'umbrella');
    expect(none.message).toBe(
      'Site https://umbrella.atlassian.net does not grant jira scopes; choose another: none.',
    );
    expect(selectionError([umbrella], 'jira', 'nowhere').message).toBe(
      'No site of this account matches "nowhere"; choose one of: none.',
    );
  });
});
