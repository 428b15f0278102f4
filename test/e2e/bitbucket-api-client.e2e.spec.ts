import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountNotLinkedError,
  AtlassianApiError,
  AtlassianReauthRequiredError,
  BitbucketApiClient,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  ATLASSIAN_UNDER_TEST,
  BITBUCKET_UNDER_TEST,
  OAuthFlowDriver,
} from '../support/oauth-provider-flow.js';
import { startTestApp, TEST_USER_HEADER, type TestApp } from '../support/test-app.js';

/** More repositories than Bitbucket's default page of 10. */
const REPOSITORY_COUNT = 23;

/** Bitbucket's list envelope. */
interface Page<T> {
  values: T[];
  page: number;
  pagelen: number;
  size: number;
  next?: string;
}

interface Repository {
  uuid: string;
  name: string;
  slug: string;
  full_name: string;
}

describe.each(['sqlite', 'postgres'] as const)(
  'BitbucketApiClient against the emulator (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let api: BitbucketApiClient;
    let userId: string;
    const bitbucket = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
      () => app,
      () => emulator,
    );
    const atlassian = new OAuthFlowDriver(
      ATLASSIAN_UNDER_TEST,
      () => app,
      () => emulator,
    );
    const repositoryNames = Array.from(
      { length: REPOSITORY_COUNT },
      (_, i) => `repo-${String(i).padStart(2, '0')}`,
    );

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        options: { tokens: { cacheTtlMs: 0 } },
        now: () => emulator.clock.now(),
        sleep: async () => undefined,
        bitbucket: true,
      });
      api = app.app.get(BitbucketApiClient);
      emulator.addUser({
        accountId: 'bb-api-user',
        name: 'Repo Owner',
        bitbucket: {
          username: 'repo-owner',
          workspaces: [
            {
              slug: 'big-workspace',
              name: 'Big',
              repositories: repositoryNames.map((name) => ({ name })),
            },
            { slug: 'small-workspace', repositories: [{ name: 'only-one' }] },
          ],
        },
      });
      userId = (await bitbucket.signInOk({}, { accountId: 'bb-api-user' })).userId;
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });
    afterEach(() => emulator.clearFaults());

    const repositoryCalls = () =>
      emulator.calls.filter((call) => call.route === 'bitbucket-repositories');
    const refreshCalls = () => emulator.count('bitbucket-token', { grantType: 'refresh_token' });

    it("gets /2.0/user and one page of a workspace's repositories with the user's token", async () => {
      const me = await api
        .forUser(userId)
        .get<{ account_id: string; username: string }>('/2.0/user');
      expect(me).toMatchObject({ account_id: 'bb-api-user', username: 'repo-owner' });

      const page = await api
        .forUser(userId)
        .get<Page<Repository>>('/2.0/repositories/big-workspace');
      expect(page).toMatchObject({
        page: 1,
        pagelen: 10,
        size: REPOSITORY_COUNT,
        next: expect.stringContaining('page=2'),
      });
      expect(page.values.map((repo) => repo.name)).toEqual(repositoryNames.slice(0, 10));
      expect(repositoryCalls().at(-1)).toMatchObject({
        method: 'GET',
        path: '/2.0/repositories/big-workspace',
        status: 200,
      });
    });

    it('yields every repository of a workspace exactly once with paginateLinks, following next', async () => {
      const before = repositoryCalls().length;
      const seen: string[] = [];
      for await (const repo of api
        .forUser(userId)
        .paginateLinks<Repository>('/2.0/repositories/big-workspace'))
        seen.push(repo.name);
      expect(seen).toEqual(repositoryNames);
      expect(repositoryCalls().length - before).toBe(Math.ceil(REPOSITORY_COUNT / 10));
    });

    it('keeps the query on every page (pagelen) and stops at the last one', async () => {
      const before = repositoryCalls().length;
      const seen: string[] = [];
      for await (const repo of api
        .forUser(userId)
        .paginateLinks<Repository>('/2.0/repositories/big-workspace', { pagelen: 5 }))
        seen.push(repo.slug);
      expect(seen).toEqual(repositoryNames);
      expect(repositoryCalls().length - before).toBe(Math.ceil(REPOSITORY_COUNT / 5));
    });

    it('refreshes once after a 401 and retries the call once, successfully', async () => {
      emulator.inject({
        route: 'bitbucket-repositories',
        status: 401,
        body: { type: 'error', error: { message: 'Access token expired.' } },
      });
      const refreshesBefore = refreshCalls();
      const callsBefore = repositoryCalls().length;

      const page = await api
        .forUser(userId)
        .get<Page<Repository>>('/2.0/repositories/small-workspace');

      expect(page.values.map((repo) => repo.name)).toEqual(['only-one']);
      expect(refreshCalls() - refreshesBefore).toBe(1);
      expect(
        repositoryCalls()
          .slice(callsBefore)
          .map((call) => call.status),
      ).toEqual([401, 200]);
    });

    it('refreshes first when the stored token has expired', async () => {
      emulator.clock.advance(2 * 3600_000 + 60_000);
      const refreshesBefore = refreshCalls();
      const callsBefore = repositoryCalls().length;
      await api.forUser(userId).get('/2.0/repositories/small-workspace');
      expect(refreshCalls() - refreshesBefore).toBe(1);
      expect(
        repositoryCalls()
          .slice(callsBefore)
          .map((call) => call.status),
      ).toEqual([200]);
    });

    it("answers Bitbucket's 404 for a workspace that is not the user's as AtlassianApiError, without refreshing", async () => {
      const refreshesBefore = refreshCalls();
      const error = await api
        .forUser(userId)
        .get('/2.0/repositories/someone-elses')
        .catch((err: unknown) => err);
      expect(error).toBeInstanceOf(AtlassianApiError);
      expect(error).toMatchObject({
        upstreamStatus: 404,
        status: 404,
        target: { product: 'bitbucket', method: 'GET', path: '/2.0/repositories/someone-elses' },
      });
      expect(refreshCalls()).toBe(refreshesBefore);
    });

    it('answers account_not_linked for an app user without a Bitbucket account (an Atlassian one is not enough)', async () => {
      emulator.addUser({ accountId: 'atlassian-only', name: 'Atlassian Only' });
      const atlassianOnly = await atlassian.signInOk(
        { [TEST_USER_HEADER]: 'atlassian-only-user' },
        { accountId: 'atlassian-only' },
      );
      await expect(api.forUser(atlassianOnly.userId).get('/2.0/user')).rejects.toThrow(
        AccountNotLinkedError,
      );
      await expect(api.forAccount(atlassianOnly.account.id).get('/2.0/user')).rejects.toMatchObject(
        { code: 'account_not_linked', status: 404 },
      );
    });

    it('answers reauth_required once Bitbucket refuses the refresh after a 401, and refreshes only once', async () => {
      emulator.addUser({ accountId: 'bb-api-revoked', name: 'Revoked' });
      const revoked = await bitbucket.signInOk({}, { accountId: 'bb-api-revoked' });
      emulator.revokeBitbucketGrant('bb-api-revoked');
      const refreshesBefore = refreshCalls();
      const client = api.forUser(revoked.userId);
      await expect(client.get('/2.0/user')).rejects.toThrow(AtlassianReauthRequiredError);
      await expect(client.get('/2.0/user')).rejects.toMatchObject({
        code: 'reauth_required',
        provider: 'bitbucket',
      });
      expect(refreshCalls() - refreshesBefore).toBe(1);
    });
  },
);
