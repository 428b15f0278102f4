import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenService,
  LinkedAccount,
  TokenCipher,
  TokenCipherError,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { AccountTokenStore } from '../../src/tokens/account-token.store.js';
import type { TokenTarget } from '../../src/tokens/token-target.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { storedAccount } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 3600_000;

/**
 * The read `getAccessToken` makes when nothing is cached (plain SQL, only the columns it needs) gives
 * the same answers as the whole-entity read it replaced, on both databases: the same values (dates
 * and zones included), and the same token or error for each state of an account.
 */
describe.each(['sqlite', 'postgres'] as const)('the access-token read (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let tokens: AtlassianTokenService;
  let store: AccountTokenStore;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      options: { tokens: { cacheTtlMs: 0 } },
      now: () => emulator.clock.now(),
    });
    tokens = app.app.get(AtlassianTokenService);
    store = app.app.get(AccountTokenStore);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  async function signedIn(providerAccountId: string): Promise<LinkedAccount> {
    emulator.addUser({ accountId: providerAccountId, name: `User ${providerAccountId}` });
    emulator.signInAs(providerAccountId);
    const user = await signInThroughApp(app, emulator);
    return storedAccount(app.dataSource, user.account.id);
  }

  const accounts = () => app.dataSource.getRepository(LinkedAccount);
  const refreshCalls = () => emulator.count('token', { grantType: 'refresh_token' });

  /** The new read equals the entity read on every column it returns, for both kinds of target. */
  async function expectSameRow(account: LinkedAccount): Promise<void> {
    const targets: TokenTarget[] = [
      { accountId: account.id },
      { userId: account.userId, provider: account.provider },
    ];
    for (const target of targets) {
      const whole = await store.load(target);
      const row = await store.loadForAccess(target);
      expect(row).not.toBeNull();
      expect(row).toEqual({
        id: whole!.id,
        provider: whole!.provider,
        status: whole!.status,
        statusReason: whole!.statusReason,
        accessTokenEncrypted: whole!.accessTokenEncrypted,
        accessTokenExpiresAt: whole!.accessTokenExpiresAt,
        lastRefreshedAt: whole!.lastRefreshedAt,
      });
      // Dates read as Dates (a string would not equal them above either), where the row has one.
      for (const date of [row!.accessTokenExpiresAt, row!.lastRefreshedAt])
        if (date !== null) expect(date).toBeInstanceOf(Date);
      expect(row!.lastRefreshedAt).not.toBeNull();
      expect(row).not.toHaveProperty('refreshTokenEncrypted');
    }
  }

  it('an active account: the same row, and its stored token without a refresh', async () => {
    const account = await signedIn('read-active');
    await expectSameRow(account);
    const before = refreshCalls();
    const byId = await tokens.getAccessToken({ accountId: account.id });
    const byUser = await tokens.getAccessToken({
      userId: account.userId,
      provider: account.provider,
    });
    expect(emulator.isAccessTokenValid(byId)).toBe(true);
    expect(byUser).toBe(byId);
    expect(refreshCalls()).toBe(before);
  });

  it('an expired account: refreshed once, then the new token is read back', async () => {
    const account = await signedIn('read-expired');
    emulator.clock.advance(2 * HOUR_MS);
    await accounts().update({ id: account.id }, { accessTokenExpiresAt: emulator.clock.now() });
    const before = refreshCalls();
    const refreshed = await tokens.getAccessToken({ accountId: account.id });
    expect(refreshCalls()).toBe(before + 1);
    expect(emulator.isAccessTokenValid(refreshed)).toBe(true);
    await expectSameRow(await storedAccount(app.dataSource, account.id));
    expect(await tokens.getAccessToken({ accountId: account.id })).toBe(refreshed);
    expect(refreshCalls()).toBe(before + 1);
  });

  it('reauth_required and revoked accounts: the same row, and the same error', async () => {
    const refused = await signedIn('read-refused');
    await accounts().update(
      { id: refused.id },
      { status: 'reauth_required', statusReason: 'invalid_grant' },
    );
    await expectSameRow(refused);
    const error = await tokens.getAccessToken({ accountId: refused.id }).catch((e) => e);
    expect(error).toBeInstanceOf(AtlassianReauthRequiredError);
    expect(error.message).toContain('invalid_grant');

    const forgotten = await signedIn('read-forgotten');
    await tokens.forgetTokens({ accountId: forgotten.id });
    await expectSameRow(forgotten);
    const revoked = await tokens.getAccessToken({ accountId: forgotten.id }).catch((e) => e);
    expect(revoked).toBeInstanceOf(AtlassianReauthRequiredError);
    expect(revoked.message).toContain('tokens forgotten by the app');
  });

  it('a missing account: null from the read, AccountNotLinkedError from the service', async () => {
    const missingId = randomUUID();
    const missingUser = { userId: `nobody-${missingId}`, provider: 'atlassian' as const };
    expect(await store.loadForAccess({ accountId: missingId })).toBeNull();
    expect(await store.loadForAccess(missingUser)).toBeNull();
    await expect(tokens.getAccessToken({ accountId: missingId })).rejects.toBeInstanceOf(
      AccountNotLinkedError,
    );
    await expect(tokens.getAccessToken(missingUser)).rejects.toBeInstanceOf(AccountNotLinkedError);
  });

  it('a ciphertext under an unknown key id, or tampered with, still fails to decrypt', async () => {
    const account = await signedIn('read-bad-ciphertext');
    const binding = tokenBinding(account.id, 'access');
    const retired = new TokenCipher([{ id: 'retired-key', key: randomBytes(32) }]);
    await accounts().update(
      { id: account.id },
      { accessTokenEncrypted: retired.encrypt('a-token-value', binding) },
    );
    const unknownKey = await tokens.getAccessToken({ accountId: account.id }).catch((e) => e);
    expect(unknownKey).toBeInstanceOf(TokenCipherError);
    expect(unknownKey.code).toBe('token_unknown_encryption_key');

    // One character of the payload changed: GCM's tag no longer matches.
    const payloadStart = account.accessTokenEncrypted.lastIndexOf(':') + 1;
    const flipped = account.accessTokenEncrypted[payloadStart] === 'A' ? 'B' : 'A';
    const tampered =
      account.accessTokenEncrypted.slice(0, payloadStart) +
      flipped +
      account.accessTokenEncrypted.slice(payloadStart + 1);
    await accounts().update({ id: account.id }, { accessTokenEncrypted: tampered });
    const invalid = await tokens.getAccessToken({ accountId: account.id }).catch((e) => e);
    expect(invalid).toBeInstanceOf(TokenCipherError);
    expect(invalid.code).toBe('token_ciphertext_invalid');
  });
});
