import { EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianEvents,
  AtlassianReauthRequiredError,
  AtlassianTokenService,
  TokenCipher,
  TokenRefreshScheduler,
  type LinkedAccount,
} from '../../src/index.js';
import { AtlassianEmulator, type EmulatorRoute } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  DAY_MS,
  MINUTE_MS,
  recordEvents,
  seedBitbucketAccounts,
  setStoredExpiry,
  type PublishedEvent,
  NOTHING_SWEPT,
} from '../support/lifecycle-accounts.js';
import { newEncryptionKey, seedAccounts, type SeededAccount } from '../support/seed-accounts.js';
import { plainTokens, storedAccounts } from '../support/stored-accounts.js';
import { startTestApp, TEST_BITBUCKET_CONSUMER, type TestApp } from '../support/test-app.js';

/** How each provider's token endpoint and refresh token counter are named in the emulator. */
const PROVIDERS = {
  bitbucket: {
    route: 'bitbucket-token' as EmulatorRoute,
    uses: (emulator: AtlassianEmulator, token: string) => emulator.bitbucketRefreshTokenUses(token),
  },
  atlassian: {
    route: 'token' as EmulatorRoute,
    uses: (emulator: AtlassianEmulator, token: string) => emulator.refreshTokenUses(token),
  },
};
type Provider = keyof typeof PROVIDERS;

describe.each(['sqlite', 'postgres'] as const)(
  'Refusals by error and description: only a refusal of the refresh token is final (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let app: TestApp;
    let scheduler: TokenRefreshScheduler;
    let tokens: AtlassianTokenService;
    let cipher: TokenCipher;
    let events: PublishedEvent[];
    const key = newEncryptionKey('refusals');

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator,
        options: {
          encryptionKeys: [key],
          tokens: { cacheTtlMs: 0 },
          // Every expiring account, as before the usage policy: the seeded ones were never used.
          refreshScheduler: { enabled: false, proactiveForUsedWithinMs: 0 },
        },
        now: () => emulator.clock.now(),
        bitbucket: true,
        imports: [EventEmitterModule.forRoot({ wildcard: true })],
      });
      scheduler = app.app.get(TokenRefreshScheduler);
      tokens = app.app.get(AtlassianTokenService);
      cipher = app.app.get(TokenCipher);
      events = recordEvents(app);
    });
    afterEach(() => emulator.clearFaults());
    afterAll(async () => {
      await app?.close();
      await emulator?.stop();
    });

    const refreshCalls = (provider: Provider, filter = {}) =>
      emulator.count(PROVIDERS[provider].route, { grantType: 'refresh_token', ...filter });
    const rowsOf = async (accounts: SeededAccount[]) =>
      (
        await storedAccounts(
          app.dataSource,
          accounts.map((a) => a.id),
        )
      ).sort((a, b) => a.id.localeCompare(b.id));
    const eventsOf = (accounts: SeededAccount[], name: string) =>
      events.filter((e) => e.name === name && accounts.some((a) => a.id === e.payload.accountId));

    /** Accounts of `provider` whose tokens expire within the scheduler's default 600-second window. */
    async function expiringAccounts(
      provider: Provider,
      count: number,
      prefix: string,
    ): Promise<SeededAccount[]> {
      const now = emulator.clock.nowMs();
      const dates = {
        accessTokenExpiresAt: new Date(now + 5 * MINUTE_MS),
        lastRefreshedAt: new Date(now - DAY_MS),
        consentedAt: new Date(now - DAY_MS),
        prefix: `${prefix}-${kind}`,
      };
      return provider === 'bitbucket'
        ? seedBitbucketAccounts(app.dataSource, emulator, {
            count,
            encryptionKey: key,
            consumerKey: TEST_BITBUCKET_CONSUMER.key,
            ...dates,
          })
        : seedAccounts(app.dataSource, emulator, {
            count,
            encryptionKey: key,
            clientId: 'test-client',
            ...dates,
          });
    }

    /** A refusal that is not about the refresh token: a transient failure, tokens kept, backoff, then a refresh that works. */
    async function expectKeptThenRefreshed(
      provider: Provider,
      accounts: SeededAccount[],
      description: RegExp,
    ): Promise<void> {
      const now = emulator.clock.nowMs();
      const rows = await rowsOf(accounts);
      for (const row of rows) {
        expect(row).toMatchObject({
          status: 'active',
          statusReason: null,
          refreshFailureCount: 1,
          refreshLeaseOwner: null,
          refreshLeaseExpiresAt: null,
        });
        expect(row.lastRefreshError).toMatch(description);
        // Backoff: the first retry comes after half to all of backoffBaseMs (5 s by default).
        expect(row.nextRefreshAttemptAt!.getTime()).toBeGreaterThanOrEqual(now + 2_500);
        expect(row.nextRefreshAttemptAt!.getTime()).toBeLessThanOrEqual(now + 5_000);
        // The tokens are the ones issued: nothing lost, nothing replaced.
        const seeded = accounts.find((a) => a.id === row.id)!;
        expect(plainTokens(cipher, row)).toEqual({
          accessToken: seeded.accessToken,
          refreshToken: seeded.refreshToken,
        });
      }
      const failed = eventsOf(accounts, AtlassianEvents.TokenRefreshFailed);
      expect(failed.map((e) => e.payload.accountId).sort()).toEqual(
        accounts.map((a) => a.id).sort(),
      );
      for (const event of failed) {
        expect(event.payload).toMatchObject({
          provider,
          failureCount: 1,
          reason: expect.stringMatching(description),
        });
        expect(event.payload.retryAt).toEqual(
          rows.find((r) => r.id === event.payload.accountId)!.nextRefreshAttemptAt,
        );
      }
      expect(eventsOf(accounts, AtlassianEvents.ReauthRequired)).toEqual([]);

      // While backing off, nobody calls the provider again.
      const calls = refreshCalls(provider);
      const succeeded = refreshCalls(provider, { status: 200 });
      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
      expect(refreshCalls(provider)).toBe(calls);

      // After the backoff, the kept refresh token works: each used exactly once.
      emulator.clock.set(
        new Date(Math.max(...rows.map((r) => r.nextRefreshAttemptAt!.getTime())) + 1),
      );
      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, refreshed: accounts.length });
      expect(refreshCalls(provider, { status: 200 }) - succeeded).toBe(accounts.length);
      expect(refreshCalls(provider) - calls).toBe(accounts.length);
      for (const account of accounts)
        expect(PROVIDERS[provider].uses(emulator, account.refreshToken)).toBe(1);
      for (const row of await rowsOf(accounts)) {
        expect(row).toMatchObject({
          status: 'active',
          refreshFailureCount: 0,
          nextRefreshAttemptAt: null,
          lastRefreshError: null,
          refreshLeaseOwner: null,
        });
      }
    }

    /** A refusal of the refresh token: reauth_required, once, with an event; no further calls. */
    async function expectReauthRequired(
      provider: Provider,
      account: SeededAccount,
      reason: string,
      before: LinkedAccount,
    ): Promise<void> {
      const [row] = await rowsOf([account]);
      expect(row).toMatchObject({
        status: 'reauth_required',
        statusReason: reason,
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
      });
      expect(row.accessTokenEncrypted).toBe(before.accessTokenEncrypted);
      expect(eventsOf([account], AtlassianEvents.ReauthRequired).map((e) => e.payload)).toEqual([
        { accountId: account.id, userId: account.userId, provider, reason },
      ]);
      const calls = refreshCalls(provider);
      await expect(tokens.getAccessToken({ accountId: account.id })).rejects.toThrow(
        AtlassianReauthRequiredError,
      );
      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
      expect(refreshCalls(provider)).toBe(calls);
    }

    it.each([
      [
        'invalid_request "Missing grant_type"',
        { error: 'invalid_request', error_description: 'Missing grant_type' },
        /Missing grant_type/,
      ],
      ['invalid_request without a description', { error: 'invalid_request' }, /invalid_request/],
      [
        'unauthorized_client about the consumer',
        {
          error: 'unauthorized_client',
          error_description: 'Consumer is not allowed to use this grant type',
        },
        /Consumer is not allowed/,
      ],
    ])(
      'Bitbucket 400 %s for 3 accounts in one tick keeps every token and the active status, backs off, then refreshes',
      async (label, body, reason) => {
        const accounts = await expiringAccounts(
          'bitbucket',
          3,
          `bb-malformed-${label.replace(/\W+/g, '-')}`,
        );
        emulator.inject({
          route: 'bitbucket-token',
          match: { grantType: 'refresh_token' },
          status: 400,
          body,
          times: 3,
        });
        const before = refreshCalls('bitbucket');

        expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, failed: 3 });

        expect(refreshCalls('bitbucket') - before).toBe(3);
        await expectKeptThenRefreshed('bitbucket', accounts, reason);
        expect(emulator.refreshTokenReplays()).toBe(0);
      },
    );

    it.each([
      ['Invalid refresh_token', 'invalid_request'],
      ['Invalid refresh_token', 'invalid_grant'],
    ])('Bitbucket 400 %s (%s) marks the account reauth_required', async (description, error) => {
      const [account] = await expiringAccounts('bitbucket', 1, `bb-refused-${error}`);
      const [before] = await rowsOf([account]);
      emulator.inject({
        route: 'bitbucket-token',
        match: { grantType: 'refresh_token' },
        status: 400,
        body: { error, error_description: description },
      });
      const calls = refreshCalls('bitbucket');

      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, reauthRequired: 1 });

      expect(refreshCalls('bitbucket') - calls).toBe(1);
      await expectReauthRequired('bitbucket', account, error, before);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });

    it('Atlassian 403 unauthorized_client about the client, not the refresh token, keeps the tokens, backs off, then refreshes', async () => {
      const accounts = await expiringAccounts('atlassian', 2, 'at-unauthorized-client');
      const body = {
        error: 'unauthorized_client',
        error_description: 'Client is not authorized for this grant type',
      };
      emulator.inject({
        route: 'token',
        match: { grantType: 'refresh_token' },
        status: 403,
        body,
        times: 2,
      });
      const before = refreshCalls('atlassian');

      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, failed: 2 });

      expect(refreshCalls('atlassian') - before).toBe(2);
      await expectKeptThenRefreshed('atlassian', accounts, /Client is not authorized/);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });

    it('Atlassian 403 unauthorized_client "refresh_token is invalid" marks the account reauth_required', async () => {
      const [account] = await expiringAccounts('atlassian', 1, 'at-refresh-token-invalid');
      const [before] = await rowsOf([account]);
      emulator.inject({
        route: 'token',
        match: { grantType: 'refresh_token' },
        status: 403,
        body: { error: 'unauthorized_client', error_description: 'refresh_token is invalid' },
      });
      const calls = refreshCalls('atlassian');

      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, reauthRequired: 1 });

      expect(refreshCalls('atlassian') - calls).toBe(1);
      await expectReauthRequired('atlassian', account, 'unauthorized_client', before);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });

    it('on demand too: getAccessToken after a malformed-request invalid_request fails with a retry date and keeps the account', async () => {
      const [account] = await expiringAccounts('bitbucket', 1, 'bb-on-demand');
      await setStoredExpiry(app.dataSource, [account.id], emulator.clock.now());
      emulator.inject({
        route: 'bitbucket-token',
        match: { grantType: 'refresh_token' },
        status: 400,
        body: { error: 'invalid_request', error_description: 'Missing grant_type' },
      });

      await expect(tokens.getAccessToken({ accountId: account.id })).rejects.toMatchObject({
        code: 'token_refresh_failed',
        accountId: account.id,
      });

      const [row] = await rowsOf([account]);
      expect(row).toMatchObject({
        status: 'active',
        refreshFailureCount: 1,
        refreshLeaseOwner: null,
      });
      emulator.clock.set(new Date(row.nextRefreshAttemptAt!.getTime() + 1));
      const token = await tokens.getAccessToken({ accountId: account.id });
      expect(emulator.isBitbucketAccessTokenValid(token)).toBe(true);
      expect(emulator.bitbucketRefreshTokenUses(account.refreshToken)).toBe(1);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });
  },
);
