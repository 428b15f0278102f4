import { EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianEvents,
  AtlassianReauthRequiredError,
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  TokenKeyRotationService,
  TokenRefreshScheduler,
  type AtlassianModuleOptions,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  MINUTE_MS,
  recordEvents,
  setStoredExpiry,
  type PublishedEvent,
  NOTHING_SWEPT,
} from '../support/lifecycle-accounts.js';
import { newEncryptionKey, seedAccounts, tokenCipherFor } from '../support/seed-accounts.js';
import { signInThroughApp } from '../support/sign-in.js';
import { plainTokens, storedAccount, storedAccounts } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

/**
 * One database through a key rotation, app after app as a deployment goes: written under key "old";
 * an app that only has "new" (the old key removed too early); an app with [new, old] that re-encrypts;
 * an app with only "new" again. Each `it` is one step, in order.
 */
describe.each(['sqlite', 'postgres'] as const)('Key rotation, finished (%s)', (kind) => {
  const oldKey = newEncryptionKey('old');
  const newKey = newEncryptionKey('new');
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  let app: TestApp | undefined;
  let events: PublishedEvent[] = [];
  /** The plain tokens each account holds, as the emulator issued them: they must survive every step. */
  const issued = new Map<string, { accessToken: string; refreshToken: string | null }>();
  const ids = { signed: '', forgotten: '', refused: '', seeded: [] as string[] };

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
    database = await createTestDatabase(kind);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  /** Closes the running app, if any, and starts one on the same database with these keys. */
  async function restartWith(keys: AtlassianModuleOptions['encryptionKeys']): Promise<TestApp> {
    await app?.close();
    app = await startTestApp({
      database,
      emulator,
      options: {
        encryptionKeys: keys,
        tokens: { cacheTtlMs: 0 },
        refreshScheduler: { enabled: false },
      },
      now: () => emulator.clock.now(),
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
    });
    events = recordEvents(app);
    return app;
  }

  const refreshCalls = () => emulator.count('token', { grantType: 'refresh_token' });
  const allIds = () => [ids.signed, ids.forgotten, ids.refused, ...ids.seeded];
  const withTokens = () => allIds().filter((id) => id !== ids.forgotten);
  const rotation = () => app!.app.get(TokenKeyRotationService);

  /** Every stored token decrypts, with a cipher holding only `key`, to what the emulator issued. */
  async function expectTokensUnder(key: typeof newKey): Promise<void> {
    const cipher = tokenCipherFor(key);
    for (const row of await storedAccounts(app!.dataSource, allIds())) {
      expect(plainTokens(cipher, row)).toEqual(issued.get(row.id));
    }
  }

  it('step 1, key [old]: accounts signed in and seeded; one forgotten, one refused by the provider', async () => {
    await restartWith([oldKey]);
    const oldCipher = tokenCipherFor(oldKey);
    for (const name of ['signed', 'forgotten', 'refused'] as const) {
      const accountId = `rotation-${name}-${kind}`;
      emulator.addUser({ accountId, name });
      emulator.signInAs(accountId);
      ids[name] = (await signInThroughApp(app!, emulator)).account.id;
    }
    const now = emulator.clock.nowMs();
    const seeded = await seedAccounts(app!.dataSource, emulator, {
      count: 3,
      encryptionKey: oldKey,
      clientId: 'test-client',
      prefix: `rotation-seeded-${kind}`,
      accessTokenExpiresAt: new Date(now + 60 * MINUTE_MS),
      lastRefreshedAt: new Date(now - MINUTE_MS),
      consentedAt: new Date(now - MINUTE_MS),
    });
    ids.seeded = seeded.map((a) => a.id);
    const tokens = app!.app.get(AtlassianTokenService);
    await tokens.forgetTokens({ accountId: ids.forgotten });
    emulator.revokeGrant(`rotation-refused-${kind}`);
    await expect(tokens.forceRefresh({ accountId: ids.refused })).rejects.toThrow(
      AtlassianReauthRequiredError,
    );

    for (const row of await storedAccounts(app!.dataSource, allIds()))
      issued.set(row.id, plainTokens(oldCipher, row));
    for (const account of seeded)
      expect(issued.get(account.id)).toEqual({
        accessToken: account.accessToken,
        refreshToken: account.refreshToken,
      });
    expect(issued.get(ids.forgotten)).toEqual({ accessToken: '', refreshToken: null });
    expect((await storedAccount(app!.dataSource, ids.refused)).status).toBe('reauth_required');
    expect(await rotation().countCiphertexts()).toEqual({
      byKey: { old: 2 * withTokens().length },
      unbound: 0,
    });
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('step 2, key [new] only: a scheduled refresh of a token no key decrypts is a recorded failure (lease released, backoff, event), with no token call', async () => {
    await restartWith([newKey]);
    // A minute after the sign-in (a tick skips what was refreshed since it began), its token in the window.
    emulator.clock.advance(MINUTE_MS);
    await setStoredExpiry(
      app!.dataSource,
      [ids.signed],
      new Date(emulator.clock.nowMs() + 5 * MINUTE_MS),
    );
    const before = await storedAccount(app!.dataSource, ids.signed);
    const calls = refreshCalls();

    expect(await app!.app.get(TokenRefreshScheduler).runOnce()).toEqual({
      ...NOTHING_SWEPT,
      failed: 1,
    });

    expect(refreshCalls()).toBe(calls);
    const row = await storedAccount(app!.dataSource, ids.signed);
    expect(row).toMatchObject({
      status: 'active',
      statusReason: null,
      refreshFailureCount: 1,
      refreshLeaseOwner: null,
      refreshLeaseExpiresAt: null,
    });
    expect(row.lastRefreshError).toMatch(/key "old".*not in encryptionKeys/);
    expect(row.nextRefreshAttemptAt!.getTime()).toBeGreaterThan(emulator.clock.nowMs());
    expect(row.accessTokenEncrypted).toBe(before.accessTokenEncrypted);
    expect(row.refreshTokenEncrypted).toBe(before.refreshTokenEncrypted);
    const failed = events.filter((e) => e.name === AtlassianEvents.TokenRefreshFailed);
    expect(failed.map((e) => e.payload)).toEqual([
      {
        accountId: ids.signed,
        userId: row.userId,
        provider: 'atlassian',
        failureCount: 1,
        retryAt: row.nextRefreshAttemptAt,
        reason: expect.stringMatching(/key "old"/),
      },
    ]);
    // Handing out a stored token needs its key as much: a typed error that names the fix.
    await expect(
      app!.app.get(AtlassianTokenService).getAccessToken({ accountId: ids.seeded[0] }),
    ).rejects.toMatchObject({ code: 'token_unknown_encryption_key' });
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('step 3, keys [new, old]: the count shows what the old key still protects; re-encryption moves every row, tokens intact', async () => {
    await restartWith([newKey, oldKey]);
    const statuses = async () =>
      (await storedAccounts(app!.dataSource, allIds()))
        .map(({ id, status, refreshFailureCount }) => ({ id, status, refreshFailureCount }))
        .sort((x, y) => x.id.localeCompare(y.id));
    const statusesBefore = await statuses();
    expect(await rotation().countCiphertexts()).toEqual({
      byKey: { old: 2 * withTokens().length },
      unbound: 0,
    });

    // A batch size that divides nothing: 5 accounts with tokens in batches of 2.
    expect(await rotation().reencryptAll({ batchSize: 2 })).toEqual({
      reencrypted: withTokens().length,
      failed: 0,
      remaining: 0,
    });

    expect(await rotation().countCiphertexts()).toEqual({
      byKey: { new: 2 * withTokens().length },
      unbound: 0,
    });
    await expectTokensUnder(newKey);
    for (const row of await storedAccounts(app!.dataSource, allIds())) {
      expect(row.refreshLeaseOwner).toBeNull();
      if (row.refreshTokenEncrypted)
        expect(row.refreshTokenEncrypted.startsWith('v2:new:')).toBe(true);
    }
    // Statuses and failure records are left as they were: the forgotten one stays forgotten, the refused one refused.
    expect(await statuses()).toEqual(statusesBefore);
    // A second pass finds nothing to do.
    expect(await rotation().reencryptAll()).toEqual({ reencrypted: 0, failed: 0, remaining: 0 });
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('step 4, key [new] only again: every active account refreshes, each refresh token used once', async () => {
    await restartWith([newKey]);
    const signed = await storedAccount(app!.dataSource, ids.signed);
    // Past the backoff of step 2.
    emulator.clock.set(new Date(signed.nextRefreshAttemptAt!.getTime() + MINUTE_MS));
    const active = [ids.signed, ...ids.seeded];
    await setStoredExpiry(
      app!.dataSource,
      active,
      new Date(emulator.clock.nowMs() + 5 * MINUTE_MS),
    );
    const calls = refreshCalls();

    expect(await app!.app.get(TokenRefreshScheduler).runOnce()).toEqual({
      ...NOTHING_SWEPT,
      refreshed: active.length,
    });

    expect(refreshCalls() - calls).toBe(active.length);
    const cipher = app!.app.get(TokenCipher);
    for (const row of await storedAccounts(app!.dataSource, active)) {
      expect(emulator.refreshTokenUses(issued.get(row.id)!.refreshToken!)).toBe(1);
      const stored = plainTokens(cipher, row);
      expect(emulator.isAccessTokenValid(stored.accessToken)).toBe(true);
      expect(emulator.refreshTokenUses(stored.refreshToken!)).toBe(0);
      expect(row).toMatchObject({
        status: 'active',
        refreshFailureCount: 0,
        nextRefreshAttemptAt: null,
        lastRefreshError: null,
        refreshLeaseOwner: null,
      });
      issued.set(row.id, stored);
    }
    expect(await rotation().countCiphertexts()).toEqual({
      byKey: { new: 2 * withTokens().length },
      unbound: 0,
    });
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it("a ciphertext moved to another account's row fails to decrypt there, and never hands out the other account's token", async () => {
    const [a, b] = ids.seeded;
    const tokens = app!.app.get(AtlassianTokenService);
    const rowA = await storedAccount(app!.dataSource, a);
    await app!.dataSource.getRepository(LinkedAccount).update(
      { id: b },
      {
        accessTokenEncrypted: rowA.accessTokenEncrypted,
        refreshTokenEncrypted: rowA.refreshTokenEncrypted,
      },
    );

    // B's token is fresh: the moved access token is what would be handed out.
    await expect(tokens.getAccessToken({ accountId: b })).rejects.toMatchObject({
      code: 'token_ciphertext_invalid',
    });

    // B due: the moved refresh token is never sent; a recorded failure instead.
    emulator.clock.advance(MINUTE_MS);
    await setStoredExpiry(app!.dataSource, [b], new Date(emulator.clock.nowMs() + 5 * MINUTE_MS));
    const calls = refreshCalls();
    expect(await app!.app.get(TokenRefreshScheduler).runOnce()).toEqual({
      ...NOTHING_SWEPT,
      failed: 1,
    });
    expect(refreshCalls()).toBe(calls);
    const rowB = await storedAccount(app!.dataSource, b);
    expect(rowB).toMatchObject({
      status: 'active',
      refreshFailureCount: 1,
      refreshLeaseOwner: null,
    });
    expect(rowB.lastRefreshError).toMatch(/failed authentication/);
    expect(emulator.refreshTokenUses(issued.get(a)!.refreshToken!)).toBe(0);
    // A itself is untouched and still works.
    expect(await tokens.getAccessToken({ accountId: a })).toBe(issued.get(a)!.accessToken);
    expect(emulator.refreshTokenReplays()).toBe(0);
  });
});
