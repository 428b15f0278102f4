import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountLinkService, LinkedAccount } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  ATLASSIAN_UNDER_TEST,
  BITBUCKET_UNDER_TEST,
  expectNothingStored,
  expectOAuthError,
  OAuthFlowDriver,
  storedRows,
} from '../support/oauth-provider-flow.js';
import {
  onEachAdapter,
  startTestApp,
  TEST_USER_HEADER,
  type TestApp,
} from '../support/test-app.js';

/**
 * One person across providers: Bitbucket's `account_id` is the Atlassian account id, so a Bitbucket
 * account joins the app user who owns the same person's Atlassian account, and never by email.
 */
describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Atlassian and Bitbucket accounts of one person ($adapter, $kind)',
  ({ adapter, kind }) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let links: AccountLinkService;
    const atlassian = new OAuthFlowDriver(
      ATLASSIAN_UNDER_TEST,
      () => app,
      () => emulator,
    );
    const bitbucket = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
      () => app,
      () => emulator,
    );

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      app = await startTestApp({
        adapter,
        database: await createTestDatabase(kind),
        emulator,
        bitbucket: true,
      });
      links = app.app.get(AccountLinkService);
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });

    /** A new person on both providers; the emulator's Bitbucket account_id is their Atlassian account id. */
    function person(accountId: string, email = `${accountId}@example.com`): string {
      emulator.addUser({ accountId, name: `Person ${accountId}`, email });
      return accountId;
    }

    const accountsOf = (providerAccountId: string) =>
      app.dataSource
        .getRepository(LinkedAccount)
        .find({ where: { providerAccountId }, order: { provider: 'ASC' } });

    it('link mode: Atlassian, then Bitbucket for the same app user gives one identity with both accounts', async () => {
      const accountId = person('link-both');
      const headers = { [TEST_USER_HEADER]: 'app-user-link' };

      const first = await atlassian.signInOk(headers, { accountId });
      expect(first).toMatchObject({
        userId: 'app-user-link',
        provider: 'atlassian',
        mode: 'link',
        isNewAccount: true,
      });
      const second = await bitbucket.signInOk(headers, { accountId });
      expect(second).toMatchObject({
        userId: 'app-user-link',
        provider: 'bitbucket',
        mode: 'link',
        isNewAccount: true,
      });

      const rows = await accountsOf(accountId);
      expect(rows.map((row) => [row.provider, row.userId, row.providerAccountId])).toEqual([
        ['atlassian', 'app-user-link', accountId],
        ['bitbucket', 'app-user-link', accountId],
      ]);
      const identities = await links.identitiesForUser('app-user-link');
      expect(identities).toHaveLength(1);
      expect(identities[0].atlassianAccountId).toBe(accountId);
      expect(identities[0].accounts.map((account) => account.provider).sort()).toEqual([
        'atlassian',
        'bitbucket',
      ]);
      expect(identities[0].accounts.map((account) => account.id).sort()).toEqual(
        rows.map((row) => row.id).sort(),
      );
      expect(JSON.stringify(identities)).not.toMatch(/token"\s*:/i);
    });

    it('sign-in mode: a Bitbucket sign-in of the same person lands on the owner of the Atlassian account, not a new user', async () => {
      const accountId = person('sign-in-both');
      const owner = await atlassian.signInOk({}, { accountId });
      expect(owner.mode).toBe('sign-in');

      const user = await bitbucket.signInOk({}, { accountId });
      expect(user).toMatchObject({
        userId: owner.userId,
        provider: 'bitbucket',
        mode: 'sign-in',
        isNewAccount: true,
      });
      expect(new Set((await accountsOf(accountId)).map((row) => row.userId))).toEqual(
        new Set([owner.userId]),
      );
      const identities = await links.identitiesForUser(owner.userId);
      expect(identities).toHaveLength(1);
      expect(identities[0].atlassianAccountId).toBe(accountId);
      // SQLite keeps createdAt to the second: both may share it, so compare the providers as a set.
      expect(identities[0].accounts.map((account) => account.provider).sort()).toEqual([
        'atlassian',
        'bitbucket',
      ]);
    });

    it('sign-in mode works the other way round: Atlassian joins the owner of the Bitbucket account', async () => {
      const accountId = person('bitbucket-first');
      const owner = await bitbucket.signInOk({}, { accountId });
      const user = await atlassian.signInOk({}, { accountId });
      expect(user).toMatchObject({
        userId: owner.userId,
        provider: 'atlassian',
        mode: 'sign-in',
        isNewAccount: true,
      });
      expect((await links.identitiesForUser(owner.userId))[0].accounts).toHaveLength(2);
    });

    it('never joins by email: another person with the same email address becomes another user', async () => {
      const first = person('same-mail-1', 'shared@example.com');
      const second = person('same-mail-2', 'shared@example.com');
      const owner = await atlassian.signInOk({}, { accountId: first });
      const other = await bitbucket.signInOk({}, { accountId: second });
      expect(other.account.email).toBe('shared@example.com');
      expect(other.userId).not.toBe(owner.userId);
      expect(await links.identitiesForUser(owner.userId)).toHaveLength(1);
    });

    it('lists two people linked to one app user as two identities', async () => {
      const headers = { [TEST_USER_HEADER]: 'app-user-two-people' };
      const one = person('two-people-1');
      const two = person('two-people-2');
      await atlassian.signInOk(headers, { accountId: one });
      await bitbucket.signInOk(headers, { accountId: one });
      await bitbucket.signInOk(headers, { accountId: two });
      const identities = await links.identitiesForUser('app-user-two-people');
      expect(
        identities
          .map((identity) => [identity.atlassianAccountId, identity.accounts.length])
          .sort(),
      ).toEqual([
        [one, 2],
        [two, 1],
      ]);
    });

    it("link mode to another app user answers 409 account_owned_by_another_user when that person's Atlassian account is someone else's, and stores nothing", async () => {
      const accountId = person('owned-elsewhere');
      const owner = await atlassian.signInOk({}, { accountId });
      const before = await storedRows(app);
      const exchanges = emulator.count('bitbucket-token', {
        grantType: 'authorization_code',
        status: 200,
      });

      const headers = { [TEST_USER_HEADER]: 'someone-else' };
      const { response } = await bitbucket.signIn(undefined, headers, { accountId });
      await expectOAuthError(
        response,
        409,
        'account_owned_by_another_user',
        /sign in as that user and unlink it/i,
      );

      await expectNothingStored(app, before);
      expect((await accountsOf(accountId)).map((row) => [row.provider, row.userId])).toEqual([
        ['atlassian', owner.userId],
      ]);
      expect(await links.identitiesForUser('someone-else')).toEqual([]);
      // The code was exchanged (the account id is only known after /2.0/user), but nothing was kept.
      expect(
        emulator.count('bitbucket-token', { grantType: 'authorization_code', status: 200 }),
      ).toBe(exchanges + 1);
    });
  },
);
