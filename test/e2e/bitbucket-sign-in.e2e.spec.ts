import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  tokenBinding,
} from '../../src/index.js';
import {
  AtlassianEmulator,
  BITBUCKET_CONSUMER_DEFAULT_SCOPES,
  DEFAULT_EMULATOR_ACCOUNT_ID,
  type BitbucketScopeField,
  type EmulatorBitbucketEmail,
} from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { BITBUCKET_UNDER_TEST, OAuthFlowDriver } from '../support/oauth-provider-flow.js';
import { storedAccounts } from '../support/stored-accounts.js';
import {
  onEachAdapter,
  startTestApp,
  TEST_BITBUCKET_CONSUMER,
  type TestApp,
} from '../support/test-app.js';

/** Bitbucket tokens have been longer than this since May 2026: no column may cut them. */
const LONG_TOKEN_CHARS = 2_500;
const HOUR_MS = 3600_000;

/** Consecutive 120-character pieces of a token, past its JWT header (which every emulator token shares). */
function pieces(token: string, size = 120): string[] {
  const out: string[] = [];
  for (let at = token.indexOf('.') + 1; at + size <= token.length; at += size)
    out.push(token.slice(at, at + size));
  return out;
}

const email = (
  address: string,
  isPrimary: boolean,
  isConfirmed: boolean,
): EmulatorBitbucketEmail => ({ email: address, is_primary: isPrimary, is_confirmed: isConfirmed });

describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Bitbucket sign-in end to end ($adapter, $kind)',
  ({ adapter, kind }) => {
    let emulator: AtlassianEmulator;
    let database: TestDatabase;
    /** One app at a time: passport keeps one strategy per name per process. */
    let app: TestApp;
    const driver = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
      () => app,
      () => emulator,
    );

    async function rowOf(providerAccountId: string): Promise<LinkedAccount> {
      const rows = await storedAccounts(app.dataSource);
      return rows.find(
        (row) => row.provider === 'bitbucket' && row.providerAccountId === providerAccountId,
      )!;
    }

    describe('with the default emulator', () => {
      beforeAll(async () => {
        emulator = await AtlassianEmulator.start();
        database = await createTestDatabase(kind);
        app = await startTestApp({ adapter, database, emulator, bitbucket: true });
      });
      afterAll(async () => {
        await app?.close();
        await emulator?.stop();
      });
      afterEach(() => {
        emulator.clearFaults();
        emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
      });

      it('redirects to bitbucket.org/site/oauth2/authorize with client_id, redirect_uri and state only: no PKCE, no scope', async () => {
        const { authorizeURL } = await driver.startLogin();
        const location = new URL(authorizeURL);
        expect(location.origin + location.pathname).toBe(
          `${emulator.bitbucketAuthBaseURL}/site/oauth2/authorize`,
        );
        const params = Object.fromEntries(location.searchParams);
        expect(params).toEqual({
          response_type: 'code',
          client_id: TEST_BITBUCKET_CONSUMER.key,
          redirect_uri: app.bitbucketCallbackURL,
          state: expect.stringMatching(/^[\w-]{43}$/),
        });
        expect(location.searchParams.has('code_challenge')).toBe(false);
        expect(location.searchParams.has('code_challenge_method')).toBe(false);
      });

      it('sets the state cookie httpOnly, SameSite=Lax, on the Bitbucket callback path only', async () => {
        const response = await fetch(`${app.url}/auth/bitbucket`, { redirect: 'manual' });
        const cookie = response.headers.getSetCookie().join('\n');
        expect(cookie).toMatch(/^nestjs_atlassian_oauth_bitbucket=/);
        expect(cookie).toMatch(/HttpOnly/i);
        expect(cookie).toMatch(/SameSite=Lax/i);
        expect(cookie).toContain('Path=/auth/bitbucket/callback');
      });

      it('signs in: code exchanged with HTTP Basic and a form body, email from /2.0/user/emails, tokens stored encrypted', async () => {
        const exchangesBefore = emulator.count('bitbucket-token', {
          grantType: 'authorization_code',
        });
        const user = await driver.signInOk();
        expect(user).toMatchObject({
          provider: 'bitbucket',
          mode: 'sign-in',
          isNewAccount: true,
          sites: [],
        });
        expect(user.account).toMatchObject({
          providerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID,
          email: 'ada@example.com',
          displayName: 'Ada Lovelace',
          status: 'active',
        });
        expect(JSON.stringify(user)).not.toMatch(/token"\s*:\s*"/i);

        const exchanges = emulator.calls.filter(
          (call) => call.route === 'bitbucket-token' && call.grantType === 'authorization_code',
        );
        expect(exchanges).toHaveLength(exchangesBefore + 1);
        expect(exchanges.at(-1)).toMatchObject({
          status: 200,
          clientAuth: 'basic',
          bodyEncoding: 'form',
          clientId: TEST_BITBUCKET_CONSUMER.key,
        });
        expect(emulator.count('bitbucket-emails', { status: 200 })).toBe(1);

        const row = await rowOf(DEFAULT_EMULATOR_ACCOUNT_ID);
        expect(row.userId).toBe(user.userId);
        expect(row.scopes).toEqual(BITBUCKET_CONSUMER_DEFAULT_SCOPES);
        expect(row.accessTokenExpiresAt!.getTime() - Date.now()).toBeGreaterThan(7_000_000);
        // The stored ciphertexts decrypt to tokens the emulator accepts: long ones, nothing cut, nothing in clear.
        const cipher = app.app.get(TokenCipher);
        const accessToken = cipher.decrypt(
          row.accessTokenEncrypted,
          tokenBinding(row.id, 'access'),
        );
        const refreshToken = cipher.decrypt(
          row.refreshTokenEncrypted!,
          tokenBinding(row.id, 'refresh'),
        );
        expect(accessToken.length).toBeGreaterThan(LONG_TOKEN_CHARS);
        expect(refreshToken.length).toBeGreaterThan(LONG_TOKEN_CHARS);
        expect(emulator.isBitbucketAccessTokenValid(accessToken)).toBe(true);
        expect(emulator.bitbucketRefreshTokenUses(refreshToken)).toBe(0);
        expect(row.accessTokenEncrypted).not.toContain(accessToken.slice(0, 40));

        // Long values spill over SQLite pages, so look for pieces: every piece of each token, and the ciphertext's start.
        const stored =
          kind === 'sqlite'
            ? readFileSync(database.location).toString('latin1')
            : JSON.stringify(await app.dataSource.query('SELECT * FROM atlassian_linked_accounts'));
        expect(stored.includes(row.accessTokenEncrypted.slice(0, 200))).toBe(true);
        for (const token of [accessToken, refreshToken]) {
          const leaked = pieces(token).filter((piece) => stored.includes(piece));
          expect(leaked).toEqual([]);
        }
      });

      it('updates the tokens when a known Bitbucket account signs in again, on the same app user', async () => {
        const before = await rowOf(DEFAULT_EMULATOR_ACCOUNT_ID);
        const user = await driver.signInOk();
        expect(user).toMatchObject({ userId: before.userId, isNewAccount: false, mode: 'sign-in' });
        const after = await rowOf(DEFAULT_EMULATOR_ACCOUNT_ID);
        expect(after.id).toBe(before.id);
        expect(after.version).toBeGreaterThan(before.version);
        expect(after.accessTokenEncrypted).not.toBe(before.accessTokenEncrypted);
        expect(
          emulator.isBitbucketAccessTokenValid(
            app.app
              .get(TokenCipher)
              .decrypt(after.accessTokenEncrypted, tokenBinding(after.id, 'access')),
          ),
        ).toBe(true);
      });

      it('stores the confirmed primary address, not an unconfirmed or secondary one listed before it', async () => {
        emulator.addUser({
          accountId: 'bb-primary',
          name: 'Prim Ary',
          bitbucket: {
            emails: [
              email('old@example.com', false, true),
              email('typo@example.com', false, false),
              email('prim@example.com', true, true),
            ],
          },
        });
        const user = await driver.signInOk({}, { accountId: 'bb-primary' });
        expect(user.account.email).toBe('prim@example.com');
        expect((await rowOf('bb-primary')).email).toBe('prim@example.com');
      });

      it('follows /2.0/user/emails over several pages to find the confirmed primary address', async () => {
        const others = Array.from({ length: 23 }, (_, i) =>
          email(`other-${i}@example.com`, false, i % 2 === 0),
        );
        emulator.addUser({
          accountId: 'bb-many-emails',
          name: 'Many Mails',
          bitbucket: { emails: [...others, email('many@example.com', true, true)] },
        });
        const pagesBefore = emulator.count('bitbucket-emails', { status: 200 });
        const user = await driver.signInOk({}, { accountId: 'bb-many-emails' });
        expect(user.account.email).toBe('many@example.com');
        // 24 addresses at Bitbucket's default 10 a page: three pages, each fetched once.
        expect(emulator.count('bitbucket-emails', { status: 200 }) - pagesBefore).toBe(3);
      });

      it.each([
        [
          'whose primary address is unconfirmed',
          [
            email('unconfirmed@example.com', true, false),
            email('secondary@example.com', false, true),
          ],
        ],
        ['with no email address at all', []],
      ])(
        'signs in a user %s and stores no email (never an unconfirmed address)',
        async (label, emails) => {
          const accountId = `bb-no-email-${emails.length}`;
          emulator.addUser({ accountId, name: 'No Mail', bitbucket: { emails } });
          const user = await driver.signInOk({}, { accountId });
          expect(user.account.email, label).toBeNull();
          const row = await rowOf(accountId);
          expect(row.email).toBeNull();
          expect(row.status).toBe('active');
          expect(
            JSON.stringify(await app.dataSource.query('SELECT * FROM atlassian_linked_accounts')),
          ).not.toContain('unconfirmed@example.com');
        },
      );

      it('signs in with no email when the consumer lacks the email permission (/2.0/user/emails answers 403)', async () => {
        emulator.registerBitbucketConsumer({
          ...TEST_BITBUCKET_CONSUMER,
          callbackURL: app.bitbucketCallbackURL,
          scopes: ['account', 'repository'],
        });
        try {
          emulator.addUser({
            accountId: 'bb-no-email-scope',
            name: 'Scope Less',
            email: 'scopeless@example.com',
          });
          const user = await driver.signInOk({}, { accountId: 'bb-no-email-scope' });
          expect(user.account).toMatchObject({ email: null, scopes: ['account', 'repository'] });
          expect(emulator.count('bitbucket-emails', { status: 403 })).toBe(1);
        } finally {
          emulator.registerBitbucketConsumer({
            ...TEST_BITBUCKET_CONSUMER,
            callbackURL: app.bitbucketCallbackURL,
          });
        }
      });
    });

    describe.each<BitbucketScopeField>(['scopes', 'both'])(
      'with token responses naming the scopes in "%s"',
      (scopeField) => {
        beforeAll(async () => {
          emulator = await AtlassianEmulator.start({ bitbucketScopeField: scopeField });
          app = await startTestApp({
            adapter,
            database: await createTestDatabase(kind),
            emulator,
            options: { tokens: { cacheTtlMs: 0 } },
            now: () => emulator.clock.now(),
            bitbucket: true,
          });
        });
        afterAll(async () => {
          await app?.close();
          await emulator?.stop();
        });

        it('stores the granted scopes from the code exchange and from a refresh', async () => {
          const user = await driver.signInOk();
          expect(user.account.scopes).toEqual(BITBUCKET_CONSUMER_DEFAULT_SCOPES);
          expect(
            emulator.calls.filter((call) => call.route === 'bitbucket-token').at(-1),
          ).toMatchObject({ grantType: 'authorization_code', status: 200 });

          // Forget them, so that only the refresh response can bring them back.
          await app.dataSource
            .getRepository(LinkedAccount)
            .update({ id: user.account.id }, { scopes: [] });
          emulator.clock.advance(2 * HOUR_MS);
          await app.app.get(AtlassianTokenService).getAccessToken({ accountId: user.account.id });
          expect(
            emulator.count('bitbucket-token', { grantType: 'refresh_token', status: 200 }),
          ).toBe(1);
          expect((await rowOf(DEFAULT_EMULATOR_ACCOUNT_ID)).scopes).toEqual(
            BITBUCKET_CONSUMER_DEFAULT_SCOPES,
          );
        });
      },
    );
  },
);
