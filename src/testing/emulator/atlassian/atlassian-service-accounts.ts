import type {
  EmulatorServiceAccountInput,
  EmulatorSite,
  EmulatorSiteInput,
} from '../emulator.types.js';
import { normalizeSite } from './atlassian-sites.js';

/** A registered service-account credential, sites resolved. */
export interface ServiceAccount {
  clientId: string;
  clientSecret: string;
  scopes: string[];
  sites: EmulatorSite[];
  accountId: string;
  name: string;
  email: string;
}

/** Finds a site some user already has, for a service account that names it by cloudId. */
export type SiteLookup = (cloudId: string) => EmulatorSite | undefined;

/** Service-account credentials auth.atlassian.com accepts for the client credentials grant, by client id. */
export class AtlassianServiceAccounts {
  private readonly accounts = new Map<string, ServiceAccount>();

  /** Add or replace a credential; tokens it already got follow its new sites at once. */
  register(input: EmulatorServiceAccountInput, findSite: SiteLookup): ServiceAccount {
    if (!input.clientId || !input.clientSecret)
      throw new TypeError('registerServiceAccount: clientId and clientSecret are required');
    const account: ServiceAccount = {
      clientId: input.clientId,
      clientSecret: input.clientSecret,
      scopes: [...input.scopes],
      sites: input.sites.map((site) => resolveSite(site, findSite)),
      accountId: input.accountId ?? `712020:service-${input.clientId}`,
      name: input.name ?? `Service account ${input.clientId}`,
      email: `${input.clientId}@serviceaccount.atlassian.com`,
    };
    this.accounts.set(account.clientId, account);
    return account;
  }

  /** The credential with `clientId`, if registered. */
  get(clientId: string | undefined): ServiceAccount | undefined {
    return clientId === undefined ? undefined : this.accounts.get(clientId);
  }
}

function resolveSite(site: string | EmulatorSiteInput, findSite: SiteLookup): EmulatorSite {
  if (typeof site !== 'string') return normalizeSite(site);
  const known = findSite(site);
  if (!known) {
    throw new Error(
      `registerServiceAccount: no user has a site with cloudId "${site}": give the site itself instead`,
    );
  }
  return structuredClone(known);
}
