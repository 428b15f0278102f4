import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianSite,
  LinkedAccount,
  TokenCipher,
  type AuthenticatedUser,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_ACCOUNT_ID } from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { storedAccounts } from '../support/stored-accounts.js';
import {
  onEachAdapter,
  startTestApp,
  TEST_USER_HEADER,
  type TestApp,
} from '../support/test-app.js';

describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Atlassian sign-in end to end ($adapter, $kind)',
  ({ adapter, kind }) => {
    let emulator: AtlassianEmulator;
    let database: TestDatabase;
    let app: TestApp;

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      database = await createTestDatabase(kind);
      app = await startTestApp({ database, emulator, adapter });
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });

    async function signIn(session = new BrowserSession(), headers: Record<string, string> = {}) {
      const login = await session.request(`${app.url}/auth/atlassian`, { headers });
      expect(login.status).toBe(302);
      const callback = await emulator.approve(login.headers.get('location')!);
      return {
        session,
        response: await session.request(callback, { headers }),
        authorizeURL: new URL(login.headers.get('location')!),
      };
    }

    it('redirects to the authorize endpoint with audience, consent prompt, PKCE, state and the required scopes', async () => {
      const response = await new BrowserSession().request(`${app.url}/auth/atlassian`);
      expect(response.status).toBe(302);
      const location = new URL(response.headers.get('location')!);
      expect(location.origin + location.pathname).toBe(`${emulator.authBaseURL}/authorize`);
      const params = Object.fromEntries(location.searchParams);
      expect(params).toMatchObject({
        audience: 'api.atlassian.com',
        prompt: 'consent',
        response_type: 'code',
        client_id: 'test-client',
        redirect_uri: app.callbackURL,
        code_challenge_method: 'S256',
      });
      expect(params.state).toMatch(/^[\w-]{43}$/);
      expect(params.code_challenge).toMatch(/^[\w-]{43}$/);
      expect(params.scope.split(' ')).toEqual(
        expect.arrayContaining(['read:me', 'offline_access', 'read:jira-work']),
      );
      const cookie = response.headers.getSetCookie().join('\n');
      expect(cookie).toMatch(/HttpOnly/i);
      expect(cookie).toMatch(/SameSite=Lax/i);
      expect(cookie).toContain('Path=/auth/atlassian/callback');
    });

    it('signs in, stores the account with its sites and encrypted tokens, and answers req.user without tokens', async () => {
      const tokenCallsBefore = emulator.count('token', {
        grantType: 'authorization_code',
        status: 200,
      });
      const { response } = await signIn();
      expect(response.status).toBe(200);
      const user = (await response.json()) as AuthenticatedUser;
      expect(user.mode).toBe('sign-in');
      expect(user.isNewAccount).toBe(true);
      expect(user.account.providerAccountId).toBe(DEFAULT_EMULATOR_ACCOUNT_ID);
      expect(user.account.email).toBe('ada@example.com');
      expect(user.sites).toHaveLength(3);
      expect(JSON.stringify(user)).not.toMatch(/token"\s*:\s*"/i);
      expect(emulator.count('token', { grantType: 'authorization_code', status: 200 })).toBe(
        tokenCallsBefore + 1,
      );
      expect(
        emulator.calls.find((c) => c.route === 'token' && c.grantType === 'authorization_code')
          ?.bodyEncoding,
      ).toBe('json');

      const rows = await storedAccounts(app.dataSource);
      expect(rows).toHaveLength(1);
      const [row] = rows;
      expect(row.userId).toBe(user.userId);
      expect(row.status).toBe('active');
      expect(row.scopes).toEqual(
        expect.arrayContaining(['read:me', 'offline_access', 'read:jira-work']),
      );
      expect(row.accessTokenExpiresAt!.getTime()).toBeGreaterThan(Date.now());
      // The stored ciphertexts decrypt to tokens the emulator accepts: nothing lost, nothing in clear.
      const cipher = app.app.get(TokenCipher);
      const accessToken = cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'));
      const refreshToken = cipher.decrypt(
        row.refreshTokenEncrypted!,
        tokenBinding(row.id, 'refresh'),
      );
      expect(emulator.isAccessTokenValid(accessToken)).toBe(true);
      expect(emulator.refreshTokenUses(refreshToken)).toBe(0);
      const sites = await app.dataSource
        .getRepository(AtlassianSite)
        .findBy({ linkedAccountId: row.id });
      expect(sites.map((s) => s.url).sort()).toEqual(
        user.sites.map((s: { url: string }) => s.url).sort(),
      );

      if (kind === 'sqlite') {
        const file = readFileSync(database.location).toString('latin1');
        expect(file.includes(accessToken)).toBe(false);
        expect(file.includes(refreshToken)).toBe(false);
        expect(file.includes(row.accessTokenEncrypted)).toBe(true);
      } else {
        const dump = JSON.stringify(
          await app.dataSource.query('SELECT * FROM atlassian_linked_accounts'),
        );
        expect(dump.includes(accessToken)).toBe(false);
        expect(dump.includes(refreshToken)).toBe(false);
      }
    });

    it('updates tokens, scopes and sites when a known account signs in again, and removes a site that disappeared', async () => {
      const before = await app.dataSource
        .getRepository(LinkedAccount)
        .findOneByOrFail({ providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID });
      const sites = (
        await app.dataSource.getRepository(AtlassianSite).findBy({ linkedAccountId: before.id })
      ).sort((a, b) => a.url.localeCompare(b.url));
      emulator.setSites(
        DEFAULT_EMULATOR_ACCOUNT_ID,
        sites.slice(1).map((s) => ({ id: s.cloudId, name: s.name, url: s.url, scopes: s.scopes })),
      );
      const { response } = await signIn();
      const user = (await response.json()) as AuthenticatedUser;
      expect(user.isNewAccount).toBe(false);
      expect(user.userId).toBe(before.userId);
      expect(user.sites.map((s: { cloudId: string }) => s.cloudId)).toEqual(
        sites.slice(1).map((s) => s.cloudId),
      );
      const after = await app.dataSource
        .getRepository(LinkedAccount)
        .findOneByOrFail({ id: before.id });
      expect(after.version).toBeGreaterThan(before.version);
      expect(await app.dataSource.getRepository(LinkedAccount).count()).toBe(1);
      expect(
        await app.dataSource.getRepository(AtlassianSite).countBy({ linkedAccountId: before.id }),
      ).toBe(2);
    });

    it('links to the signed-in app user in link mode, and refuses with 409 when another user owns the account', async () => {
      const owner = (
        await app.dataSource
          .getRepository(LinkedAccount)
          .findOneByOrFail({ providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID })
      ).userId;
      const same = await signIn(new BrowserSession(), { [TEST_USER_HEADER]: owner });
      expect(same.response.status).toBe(200);
      expect(((await same.response.json()) as AuthenticatedUser).mode).toBe('link');

      const snapshot = await app.dataSource.query('SELECT * FROM atlassian_linked_accounts');
      const conflict = await signIn(new BrowserSession(), { [TEST_USER_HEADER]: 'someone-else' });
      expect(conflict.response.status).toBe(409);
      expect(await conflict.response.json()).toMatchObject({
        statusCode: 409,
        code: 'account_owned_by_another_user',
      });
      expect(await app.dataSource.query('SELECT * FROM atlassian_linked_accounts')).toEqual(
        snapshot,
      );

      emulator.addUser({ accountId: 'bob-account', name: 'Bob', email: 'bob@example.com' });
      emulator.signInAs('bob-account');
      try {
        const linked = await signIn(new BrowserSession(), { [TEST_USER_HEADER]: owner });
        expect(linked.response.status).toBe(200);
        const body = await linked.response.json();
        expect(body).toMatchObject({ userId: owner, mode: 'link', isNewAccount: true });
        expect(await app.dataSource.getRepository(LinkedAccount).countBy({ userId: owner })).toBe(
          2,
        );
      } finally {
        emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
      }
    });
  },
);
