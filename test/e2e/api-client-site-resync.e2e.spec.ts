import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianApiError,
  AtlassianSiteSelectionError,
  type AtlassianApiClient,
} from '../../src/index.js';
import {
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_CLOUD_IDS,
  DEFAULT_EMULATOR_USER,
  type AtlassianEmulator,
} from '../../src/testing/index.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const RECHECK_MS = 300_000;

describe('A 404 re-syncs the sites only when the site is gone, at most once per interval', () => {
  let signedIn: SignedInApi;
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let userId: string;

  beforeAll(async () => {
    signedIn = await startSignedInApi((started) => ({ now: () => started.clock.now() }));
    ({ emulator, api, userId } = signedIn);
  });
  afterAll(() => signedIn?.close());

  const resyncs = () => emulator.count('accessible-resources');

  it('never re-syncs for the product\'s own "issue does not exist"', async () => {
    const before = resyncs();
    for (let i = 0; i < 5; i++) {
      const error = await api
        .forUser(userId)
        .jira(acme)
        .get('/rest/api/3/issue/NOPE-404')
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(AtlassianApiError);
      expect(error).toMatchObject({ upstreamStatus: 404, code: 'atlassian_api_error' });
    }
    expect(resyncs()).toBe(before);
  });

  it('re-syncs once for the gateway\'s "site not found", and not again within siteRecheckMs', async () => {
    emulator.inject({
      route: 'jira',
      status: 404,
      body: { errorMessages: ['Site not found'] },
      times: 3,
    });
    const before = resyncs();
    for (let i = 0; i < 3; i++) {
      // The site is still listed, so the call fails with the answer itself.
      await expect(api.forUser(userId).jira(acme).get('/rest/api/3/myself')).rejects.toMatchObject({
        upstreamStatus: 404,
      });
    }
    expect(resyncs() - before).toBe(1);
    emulator.clock.advance(RECHECK_MS);
  });

  it('tells a removed site once it re-synced, and later calls know without asking again', async () => {
    const { sites } = emulator.addUser(DEFAULT_EMULATOR_USER);
    emulator.setSites(
      DEFAULT_EMULATOR_ACCOUNT_ID,
      sites.filter((site) => site.id !== globex),
    );
    const before = resyncs();
    const gone = await api
      .forUser(userId)
      .jira(globex)
      .get('/rest/api/3/myself')
      .catch((err: unknown) => err);
    expect(gone).toBeInstanceOf(AtlassianSiteSelectionError);
    expect(gone).toMatchObject({ code: 'atlassian_site_not_found' });
    expect(resyncs() - before).toBe(1);
    const jiraCalls = emulator.count('jira');
    await expect(api.forUser(userId).jira(globex).get('/rest/api/3/myself')).rejects.toMatchObject({
      code: 'atlassian_site_not_found',
    });
    expect(emulator.count('jira')).toBe(jiraCalls);
    expect(resyncs() - before).toBe(1);
  });
});
