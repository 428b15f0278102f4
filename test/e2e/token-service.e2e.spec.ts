import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenService,
  TokenCipher,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { storedAccount } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 3600_000;

describe.each(['sqlite', 'postgres'] as const)('AtlassianTokenService (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let tokens: AtlassianTokenService;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      options: { tokens: { cacheTtlMs: 0, backoffBaseMs: 60_000 } },
      now: () => emulator.clock.now(),
    });
    tokens = app.app.get(AtlassianTokenService);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });
  afterEach(() => emulator.clearFaults());

  async function freshAccount(accountId: string) {
    emulator.addUser({ accountId, name: `User ${accountId}` });
    emulator.signInAs(accountId);
    const user = await signInThroughApp(app, emulator);
    return user.account.id;
  }

  const refreshCalls = () => emulator.count('token', { grantType: 'refresh_token' });

  it('serves a valid token without refreshing', async () => {
    const id = await freshAccount('valid-1');
    const before = refreshCalls();
    const token = await tokens.getAccessToken({ accountId: id });
    expect(emulator.isAccessTokenValid(token)).toBe(true);
    expect(refreshCalls()).toBe(before);
  });

  it('50 concurrent callers on one expired account share exactly one refresh', async () => {
    const id = await freshAccount('concurrent-1');
    emulator.clock.advance(HOUR_MS);
    const before = refreshCalls();
    const results = await Promise.all(
      Array.from({ length: 50 }, () => tokens.getAccessToken({ accountId: id })),
    );
    expect(refreshCalls() - before).toBe(1);
    expect(new Set(results).size).toBe(1);
    expect(emulator.isAccessTokenValid(results[0])).toBe(true);
    const row = await storedAccount(app.dataSource, id);
    expect(
      app.app.get(TokenCipher).decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access')),
    ).toBe(results[0]);
    expect(
      emulator.refreshTokenUses(
        app.app
          .get(TokenCipher)
          .decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
      ),
    ).toBe(0);
  });

  it('finds the account by user and provider too', async () => {
    emulator.addUser({ accountId: 'by-user', name: 'By User' });
    emulator.signInAs('by-user');
    const user = await signInThroughApp(app, emulator);
    const token = await tokens.getAccessToken({ userId: user.userId, provider: 'atlassian' });
    expect(emulator.isAccessTokenValid(token)).toBe(true);
  });

  it('marks the account reauth_required on invalid_grant and never tries that refresh token again', async () => {
    const id = await freshAccount('refused-1');
    emulator.revokeGrant('refused-1');
    emulator.clock.advance(HOUR_MS);
    const before = refreshCalls();
    await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
      AtlassianReauthRequiredError,
    );
    await expect(tokens.getAccessToken({ accountId: id })).rejects.toMatchObject({
      code: 'reauth_required',
      status: 401,
    });
    expect(refreshCalls() - before).toBe(1);
    const row = await storedAccount(app.dataSource, id);
    expect(row.status).toBe('reauth_required');
    expect(row.statusReason).toBe('invalid_grant');
  });

  it.each([
    ['503', { status: 503, body: { error: 'temporarily_unavailable' } }],
    [
      '429 with Retry-After',
      { status: 429, body: { error: 'rate_limited' }, headers: { 'Retry-After': '7200' } },
    ],
    ['a timeout', { delayMs: 3_000 }],
  ])('keeps the tokens and the active status on %s, and backs off', async (label, fault) => {
    const id = await freshAccount(`transient-${label.replace(/\W/g, '')}`);
    const rowBefore = await storedAccount(app.dataSource, id);
    emulator.clock.advance(HOUR_MS);
    emulator.inject({ route: 'token', ...fault });
    const before = refreshCalls();
    await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
      AtlassianTokenRefreshError,
    );
    const row = await storedAccount(app.dataSource, id);
    expect(row.status).toBe('active');
    // The same refresh token, re-encrypted (under the current key) with the new pair.
    const cipher = app.app.get(TokenCipher);
    expect(cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh'))).toBe(
      cipher.decrypt(rowBefore.refreshTokenEncrypted!, tokenBinding(id, 'refresh')),
    );
    expect(row.accessTokenEncrypted).toBe(rowBefore.accessTokenEncrypted);
    expect(row.refreshFailureCount).toBe(1);
    const waitMs = row.nextRefreshAttemptAt!.getTime() - emulator.clock.nowMs();
    if (label.startsWith('429')) expect(waitMs).toBeGreaterThanOrEqual(7200_000);
    else expect(waitMs).toBeGreaterThanOrEqual(30_000);
    // Within the backoff nobody calls the token endpoint again.
    await expect(tokens.getAccessToken({ accountId: id })).rejects.toMatchObject({
      code: 'token_refresh_failed',
      status: 503,
    });
    expect(emulator.count('token', { grantType: 'refresh_token' }) - before).toBeLessThanOrEqual(1);
    // After it, the next call refreshes and succeeds with the kept refresh token.
    emulator.clock.advance(waitMs + 1);
    const token = await tokens.getAccessToken({ accountId: id });
    expect(emulator.isAccessTokenValid(token)).toBe(true);
    expect((await storedAccount(app.dataSource, id)).refreshFailureCount).toBe(0);
    // The emulator logs a call when it answers: the timed-out one a second after the app gave up on it.
    // Waiting for it here keeps it out of the next tests' counts (forceRefresh's "exactly one").
    await vi.waitFor(() => expect(refreshCalls() - before).toBe(2), { timeout: 5_000 });
  });

  it('keeps the old refresh token when a refresh response has none', async () => {
    const id = await freshAccount('no-rt-1');
    const rowBefore = await storedAccount(app.dataSource, id);
    emulator.clock.advance(HOUR_MS);
    const issued = emulator.issueTokens({
      accountId: 'no-rt-1',
      scopes: ['read:me', 'read:jira-work'],
    });
    emulator.inject({
      route: 'token',
      status: 200,
      body: {
        access_token: issued.access_token,
        expires_in: 3600,
        token_type: 'Bearer',
        scope: issued.scope,
      },
    });
    const token = await tokens.getAccessToken({ accountId: id });
    expect(token).toBe(issued.access_token);
    const row = await storedAccount(app.dataSource, id);
    // The same refresh token, re-encrypted (under the current key) with the new pair.
    const cipher = app.app.get(TokenCipher);
    expect(cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh'))).toBe(
      cipher.decrypt(rowBefore.refreshTokenEncrypted!, tokenBinding(id, 'refresh')),
    );
    expect(
      app.app.get(TokenCipher).decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access')),
    ).toBe(issued.access_token);
  });

  it('forgetTokens clears the stored tokens and stops handing any out', async () => {
    const id = await freshAccount('forget-1');
    await tokens.getAccessToken({ accountId: id });
    await tokens.forgetTokens({ accountId: id });
    const row = await storedAccount(app.dataSource, id);
    expect(row).toMatchObject({
      status: 'revoked',
      accessTokenEncrypted: '',
      refreshTokenEncrypted: null,
      accessTokenExpiresAt: null,
    });
    const before = refreshCalls();
    await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
      AtlassianReauthRequiredError,
    );
    expect(refreshCalls()).toBe(before);
  });

  it('forceRefresh refreshes once even with concurrent callers, and reports the token status', async () => {
    const id = await freshAccount('force-1');
    const before = refreshCalls();
    const [a, b] = await Promise.all([
      tokens.forceRefresh({ accountId: id }),
      tokens.forceRefresh({ accountId: id }),
    ]);
    expect(a).toBe(b);
    expect(refreshCalls() - before).toBe(1);
    const status = await tokens.getTokenStatus({ accountId: id });
    expect(status).toMatchObject({ accountId: id, status: 'active', lastRefreshError: null });
    expect(status.consentExpiresAt!.getTime() - status.consentedAt.getTime()).toBe(
      365 * 24 * HOUR_MS,
    );
    expect(JSON.stringify(status)).not.toContain(a);
  });
});

// Its own app, started after the others closed: passport keeps strategies in one process-wide registry by name.
describe.each(['sqlite', 'postgres'] as const)(
  'AtlassianTokenService with short-lived tokens (%s)',
  (kind) => {
    // A separate app: passport strategies are registered by name in one process-wide registry.
    it('does not refresh a short-lived token on every call: the skew is capped at half its lifetime', async () => {
      const shortEmulator = await AtlassianEmulator.start({ accessTokenTtlSeconds: 60 });
      const shortApp = await startTestApp({
        database: await createTestDatabase(kind),
        emulator: shortEmulator,
        options: { tokens: { cacheTtlMs: 0 } },
        now: () => shortEmulator.clock.now(),
      });
      try {
        const user = await signInThroughApp(shortApp, shortEmulator);
        const service = shortApp.app.get(AtlassianTokenService);
        for (let i = 0; i < 5; i++) await service.getAccessToken({ accountId: user.account.id });
        expect(shortEmulator.count('token', { grantType: 'refresh_token' })).toBe(0);
        shortEmulator.clock.advance(31_000);
        await service.getAccessToken({ accountId: user.account.id });
        expect(shortEmulator.count('token', { grantType: 'refresh_token' })).toBe(1);
      } finally {
        await shortApp.close();
        await shortEmulator.stop();
      }
    });
  },
);
