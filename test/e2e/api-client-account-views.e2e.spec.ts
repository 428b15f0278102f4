import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountLinkService,
  AtlassianSite,
  type AtlassianApiClient,
  type SiteView,
} from '../../src/index.js';
import {
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_USER,
  type AtlassianEmulator,
} from '../../src/testing/index.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

const NEW_SITE = {
  id: '9d9d9d9d-0000-4000-8000-00000000c0de',
  name: 'newco',
  url: 'https://newco.atlassian.net',
  scopes: ['read:jira-work', 'read:jira-user'],
};

/**
 * The API clients keep account views in memory (tokens.cacheTtlMs, 30 s by default) so that a client
 * made per request costs no query: what changes an account must still be seen at once.
 */
describe('API clients see account changes at once, though they keep account views in memory', () => {
  let signedIn: SignedInApi;
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let userId: string;
  let sites: SiteView[];

  beforeAll(async () => {
    signedIn = await startSignedInApi();
    ({ emulator, api, userId } = signedIn);
    sites = await api.listSites(userId);
    // Every new client below reads the account through the views in memory from here on.
    await api.forUser(userId).jira(sites[0].cloudId).get('/rest/api/3/myself');
  });
  afterAll(() => signedIn?.close());

  const myself = (cloudId: string) =>
    api.forUser(userId).jira(cloudId).get<{ accountId: string }>('/rest/api/3/myself');

  it('calls a site a new consent added in this process at once', async () => {
    const { sites: current } = emulator.addUser(DEFAULT_EMULATOR_USER);
    emulator.setSites(DEFAULT_EMULATOR_ACCOUNT_ID, [...current, NEW_SITE]);
    await signInThroughApp(signedIn.app, emulator);
    expect((await myself(NEW_SITE.id)).accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
  });

  it('finds a site another instance stored, by asking the database once before failing', async () => {
    const [account] = await signedIn.app.app.get(AccountLinkService).listForUser(userId);
    const otherSite = { ...NEW_SITE, id: '9d9d9d9d-0000-4000-8000-00000000beef', name: 'other' };
    emulator.setSites(DEFAULT_EMULATOR_ACCOUNT_ID, [
      ...emulator.addUser(DEFAULT_EMULATOR_USER).sites,
      otherSite,
    ]);
    // Written behind this process's back, as another instance's sign-in would.
    await signedIn.app.dataSource.getRepository(AtlassianSite).insert({
      linkedAccountId: account.id,
      cloudId: otherSite.id,
      url: otherSite.url,
      name: otherSite.name,
      scopes: otherSite.scopes,
    });
    expect((await myself(otherSite.id)).accountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
  });

  it('stops calling for an account unlinked in this process at once', async () => {
    const [account] = await signedIn.app.app.get(AccountLinkService).listForUser(userId);
    const before = emulator.count('jira');
    expect(await signedIn.app.app.get(AccountLinkService).unlink(userId, account.id)).toBe(true);
    await expect(myself(sites[0].cloudId)).rejects.toMatchObject({ code: 'account_not_linked' });
    expect(emulator.count('jira')).toBe(before);
  });
});
