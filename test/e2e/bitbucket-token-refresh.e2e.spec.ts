import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { BITBUCKET_UNDER_TEST, OAuthFlowDriver } from '../support/oauth-provider-flow.js';
import { storedAccount } from '../support/stored-accounts.js';
import { startTestApp, TEST_BITBUCKET_CONSUMER, type TestApp } from '../support/test-app.js';

/** Past a Bitbucket access token's 2-hour lifetime, and past the 10-minute leeway of a used refresh token. */
const PAST_EXPIRY_MS = 2 * 3600_000 + 60_000;

describe.each(['sqlite', 'postgres'] as const)(
  'Bitbucket tokens through AtlassianTokenService (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let tokens: AtlassianTokenService;
    let cipher: TokenCipher;
    const bitbucket = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
      () => app,
      () => emulator,
    );

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        options: { tokens: { cacheTtlMs: 0, backoffBaseMs: 60_000 } },
        now: () => emulator.clock.now(),
        bitbucket: true,
      });
      tokens = app.app.get(AtlassianTokenService);
      cipher = app.app.get(TokenCipher);
    });
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });
    afterEach(() => emulator.clearFaults());

    /** A new person signed in with Bitbucket through the app; answers the linked account's id. */
    async function freshAccount(accountId: string): Promise<string> {
      emulator.addUser({ accountId, name: `User ${accountId}` });
      return (await bitbucket.signInOk({}, { accountId })).account.id;
    }

    const refreshCalls = (filter = {}) =>
      emulator.count('bitbucket-token', { grantType: 'refresh_token', ...filter });

    /** What another process would do: refresh with the stored refresh token, then lose the result. */
    async function refreshBehindTheAppsBack(refreshToken: string): Promise<void> {
      const response = await fetch(`${emulator.bitbucketAuthBaseURL}/site/oauth2/access_token`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${TEST_BITBUCKET_CONSUMER.key}:${TEST_BITBUCKET_CONSUMER.secret}`).toString('base64')}`,
        },
        body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
      });
      expect(response.status).toBe(200);
    }

    it('serves a valid token without refreshing', async () => {
      const id = await freshAccount('bb-valid');
      const before = refreshCalls();
      const token = await tokens.getAccessToken({ accountId: id });
      expect(emulator.isBitbucketAccessTokenValid(token)).toBe(true);
      expect(refreshCalls()).toBe(before);
    });

    it('50 concurrent callers on one expired account share exactly one refresh, sent with HTTP Basic and a form body', async () => {
      const id = await freshAccount('bb-concurrent');
      const oldRefreshToken = cipher.decrypt(
        (await storedAccount(app.dataSource, id)).refreshTokenEncrypted!,
        tokenBinding(id, 'refresh'),
      );
      emulator.clock.advance(PAST_EXPIRY_MS);
      const before = refreshCalls();

      const results = await Promise.all(
        Array.from({ length: 50 }, () => tokens.getAccessToken({ accountId: id })),
      );

      expect(refreshCalls() - before).toBe(1);
      expect(
        emulator.calls.filter((call) => call.route === 'bitbucket-token').at(-1),
      ).toMatchObject({
        grantType: 'refresh_token',
        status: 200,
        clientAuth: 'basic',
        bodyEncoding: 'form',
        clientId: TEST_BITBUCKET_CONSUMER.key,
      });
      expect(new Set(results).size).toBe(1);
      expect(emulator.isBitbucketAccessTokenValid(results[0])).toBe(true);
      // The rotated pair is what the row holds: the new refresh token unused, the old one used once.
      const row = await storedAccount(app.dataSource, id);
      expect(cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))).toBe(
        results[0],
      );
      const newRefreshToken = cipher.decrypt(
        row.refreshTokenEncrypted!,
        tokenBinding(row.id, 'refresh'),
      );
      expect(newRefreshToken).not.toBe(oldRefreshToken);
      expect(emulator.bitbucketRefreshTokenUses(newRefreshToken)).toBe(0);
      expect(emulator.bitbucketRefreshTokenUses(oldRefreshToken)).toBe(1);
      expect(row).toMatchObject({ status: 'active', refreshFailureCount: 0 });
    });

    it.each([
      [
        'the grant was revoked (invalid_grant)',
        'bb-revoked',
        'invalid_grant',
        async (accountId: string) => emulator.revokeBitbucketGrant(accountId),
      ],
      [
        'the refresh token was used by someone else more than 10 minutes ago (invalid_grant)',
        'bb-reused',
        'invalid_grant',
        async (_accountId: string, row: LinkedAccount) =>
          refreshBehindTheAppsBack(
            cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
          ),
      ],
      [
        'Bitbucket does not know the refresh token (invalid_request)',
        'bb-unknown',
        'invalid_request',
        async (_accountId: string, row: LinkedAccount) => {
          await app.dataSource.getRepository(LinkedAccount).update(
            { id: row.id },
            {
              refreshTokenEncrypted: cipher.encrypt(
                'not-a-bitbucket-refresh-token',
                tokenBinding(row.id, 'refresh'),
              ),
            },
          );
        },
      ],
    ])(
      'marks the account reauth_required when %s, with a typed error, and never tries again',
      async (_label, accountId, refusal, spoil) => {
        const id = await freshAccount(accountId);
        await spoil(accountId, await storedAccount(app.dataSource, id));
        emulator.clock.advance(PAST_EXPIRY_MS);
        const before = refreshCalls();
        const refusedBefore = refreshCalls({ status: 400 });

        const error = await tokens.getAccessToken({ accountId: id }).catch((err: unknown) => err);
        expect(error).toBeInstanceOf(AtlassianReauthRequiredError);
        expect(error).toMatchObject({
          code: 'reauth_required',
          status: 401,
          provider: 'bitbucket',
          reason: refusal,
          accountId: id,
        });
        expect(refreshCalls({ status: 400 }) - refusedBefore).toBe(1);
        await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
          AtlassianReauthRequiredError,
        );
        expect(refreshCalls() - before).toBe(1);
        expect(await storedAccount(app.dataSource, id)).toMatchObject({
          status: 'reauth_required',
          statusReason: refusal,
        });
      },
    );

    it('keeps the tokens and the active status on a 503, backs off, then refreshes with the kept refresh token', async () => {
      const id = await freshAccount('bb-unavailable');
      const rowBefore = await storedAccount(app.dataSource, id);
      emulator.clock.advance(PAST_EXPIRY_MS);
      emulator.inject({
        route: 'bitbucket-token',
        status: 503,
        body: { error: 'temporarily_unavailable' },
      });
      const before = refreshCalls();

      await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
        AtlassianTokenRefreshError,
      );
      const row = await storedAccount(app.dataSource, id);
      expect(row).toMatchObject({ status: 'active', statusReason: null, refreshFailureCount: 1 });
      expect(row.accessTokenEncrypted).toBe(rowBefore.accessTokenEncrypted);
      expect(row.refreshTokenEncrypted).toBe(rowBefore.refreshTokenEncrypted);
      await expect(tokens.getAccessToken({ accountId: id })).rejects.toMatchObject({
        code: 'token_refresh_failed',
        status: 503,
      });
      expect(refreshCalls() - before).toBe(1);

      emulator.clock.advance(row.nextRefreshAttemptAt!.getTime() - emulator.clock.nowMs() + 1);
      const refreshedBefore = refreshCalls({ status: 200 });
      const token = await tokens.getAccessToken({ accountId: id });
      expect(emulator.isBitbucketAccessTokenValid(token)).toBe(true);
      expect(refreshCalls({ status: 200 }) - refreshedBefore).toBe(1);
      expect(await storedAccount(app.dataSource, id)).toMatchObject({
        status: 'active',
        refreshFailureCount: 0,
      });
    });
  },
);
