import { EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianEvents,
  AtlassianReauthRequiredError,
  AtlassianTokenService,
  TokenCipher,
  TokenRefreshScheduler,
  type AuthenticatedUser,
  type RefreshSweepResult,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { ScopedTestController } from '../fixtures/scoped-test.controller.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase } from '../support/databases.js';
import {
  MINUTE_MS,
  recordEvents,
  setStoredExpiry,
  type PublishedEvent,
  NOTHING_SWEPT,
} from '../support/lifecycle-accounts.js';
import { behindGate, RefreshGate } from '../support/lifecycle-refresh-gate.js';
import { signInThroughApp } from '../support/sign-in.js';
import { plainTokens, storedAccount } from '../support/stored-accounts.js';
import { startTestApp, TEST_USER_HEADER, type TestApp } from '../support/test-app.js';

describe.each(['sqlite', 'postgres'] as const)(
  'Writes outside the lease racing a scheduled refresh (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let gate: RefreshGate;
    let app: TestApp;
    let scheduler: TokenRefreshScheduler;
    let tokens: AtlassianTokenService;
    let cipher: TokenCipher;
    let events: PublishedEvent[];

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
      // Refreshes reach the emulator through a gate that holds them for exactly as long as a race needs.
      gate = await RefreshGate.start(emulator.authBaseURL);
      app = await startTestApp({
        database: await createTestDatabase(kind),
        emulator: behindGate(emulator, gate),
        // A held refresh must not time out while the race runs: the app waits for its answer as long as it takes.
        options: {
          httpTimeoutMs: 20_000,
          tokens: { cacheTtlMs: 0 },
          refreshScheduler: { enabled: false },
        },
        now: () => emulator.clock.now(),
        controllers: [ScopedTestController],
        imports: [EventEmitterModule.forRoot({ wildcard: true })],
      });
      scheduler = app.app.get(TokenRefreshScheduler);
      tokens = app.app.get(AtlassianTokenService);
      cipher = app.app.get(TokenCipher);
      events = recordEvents(app);
    });
    afterEach(() => {
      gate.release();
      emulator.clearFaults();
    });
    afterAll(async () => {
      await app?.close();
      await gate?.close();
      await emulator?.stop();
    });

    const refreshCalls = (filter = {}) =>
      emulator.count('token', { grantType: 'refresh_token', ...filter });

    /** A new person signed in through the app, with the refresh token their grant began with. */
    async function linkedAccount(
      accountId: string,
    ): Promise<{ user: AuthenticatedUser; id: string; firstRefreshToken: string }> {
      emulator.addUser({ accountId, name: `User ${accountId}` });
      emulator.signInAs(accountId);
      const user = await signInThroughApp(app, emulator);
      const firstRefreshToken = plainTokens(
        cipher,
        await storedAccount(app.dataSource, user.account.id),
      ).refreshToken!;
      return { user, id: user.account.id, firstRefreshToken };
    }

    /** The newest code exchange's answer: the tokens of the grant the last sign-in brought. */
    function newestGrant(): { accessToken: string; refreshToken: string; scopes: string[] } {
      const { body } = gate.answers('authorization_code').at(-1)!;
      return {
        accessToken: body.access_token as string,
        refreshToken: body.refresh_token as string,
        scopes: (body.scope as string).split(' '),
      };
    }

    /**
     * Runs a tick whose refresh of `id` is held at the gate (claimed, sent, not answered), runs `write`
     * meanwhile, then lets the refresh reach the emulator; answers the tick's result.
     */
    async function raceScheduledRefresh(
      id: string,
      write: () => Promise<void>,
    ): Promise<RefreshSweepResult> {
      await makeDue(id);
      const before = refreshCalls();
      gate.hold();
      const tick = scheduler.runOnce();
      await Promise.race([
        gate.whenHeld(1),
        tick.then((r) =>
          Promise.reject(new Error(`the tick ended without a held refresh: ${JSON.stringify(r)}`)),
        ),
      ]);
      const claimed = await storedAccount(app.dataSource, id);
      expect(claimed.refreshLeaseOwner).not.toBeNull();
      await write();
      // The race is real: the refresh is still in flight, unanswered.
      expect(refreshCalls() - before).toBe(0);
      gate.release();
      const result = await tick;
      expect(refreshCalls() - before).toBe(1);
      return result;
    }

    /** A minute on (a tick skips what was refreshed since it began), and the token within the default 600-second window. */
    async function makeDue(id: string): Promise<void> {
      emulator.clock.advance(MINUTE_MS);
      await setStoredExpiry(app.dataSource, [id], new Date(emulator.clock.nowMs() + 5 * MINUTE_MS));
    }

    async function expectRowHoldsNewestGrant(
      id: string,
      grant: ReturnType<typeof newestGrant>,
    ): Promise<void> {
      const row = await storedAccount(app.dataSource, id);
      expect(plainTokens(cipher, row)).toEqual({
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken,
      });
      expect([...row.scopes].sort()).toEqual([...grant.scopes].sort());
      expect(row).toMatchObject({
        status: 'active',
        statusReason: null,
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
        refreshFailureCount: 0,
        nextRefreshAttemptAt: null,
      });
      expect(emulator.isAccessTokenValid(grant.accessToken)).toBe(true);
      expect(emulator.refreshTokenUses(grant.refreshToken)).toBe(0);
      // Handed out as stored, without another refresh.
      const calls = refreshCalls();
      expect(await tokens.getAccessToken({ accountId: id })).toBe(grant.accessToken);
      expect(refreshCalls()).toBe(calls);
    }

    /** The chain the row holds is alive: the next scheduled refresh uses the newest grant's refresh token, once. */
    async function expectNextRefreshUses(
      id: string,
      grant: ReturnType<typeof newestGrant>,
    ): Promise<void> {
      await makeDue(id);
      expect(await scheduler.runOnce()).toEqual({ ...NOTHING_SWEPT, refreshed: 1 });
      expect(emulator.refreshTokenUses(grant.refreshToken)).toBe(1);
    }

    it("a plain re-sign-in during the refresh: the new grant wins, the old grant's rotated pair is dropped (superseded)", async () => {
      const { id, firstRefreshToken } = await linkedAccount(`resign-${kind}`);

      const result = await raceScheduledRefresh(id, async () => {
        await signInThroughApp(app, emulator);
      });

      expect(result).toEqual({ ...NOTHING_SWEPT, superseded: 1 });
      // The old grant did rotate at the provider (its first refresh token used once); the app kept none of it.
      const [oldRotation] = gate.answers('refresh_token').slice(-1);
      expect(oldRotation.status).toBe(200);
      expect(emulator.refreshTokenUses(firstRefreshToken)).toBe(1);
      const grant = newestGrant();
      expect(grant.accessToken).not.toBe(oldRotation.body.access_token);
      await expectRowHoldsNewestGrant(id, grant);
      expect(
        events.filter(
          (e) => e.name === AtlassianEvents.TokenRefreshed && e.payload.accountId === id,
        ),
      ).toEqual([]);
      await expectNextRefreshUses(id, grant);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });

    it('incremental consent from the scope guard during the refresh: the new scopes and tokens win', async () => {
      const { user, id } = await linkedAccount(`incremental-${kind}`);
      const headers = { [TEST_USER_HEADER]: user.userId };
      expect((await fetch(`${app.url}/scoped/write`, { headers })).status).toBe(403);

      const result = await raceScheduledRefresh(id, async () => {
        const denied = await fetch(`${app.url}/scoped/write`, { headers });
        const { consentUrl } = (await denied.json()) as { consentUrl: string };
        const session = new BrowserSession();
        const login = await session.request(`${app.url}${consentUrl}`, { headers });
        const callback = await session.request(
          await emulator.approve(login.headers.get('location')!),
          { headers },
        );
        expect(callback.status).toBe(200);
      });

      expect(result).toEqual({ ...NOTHING_SWEPT, superseded: 1 });
      const grant = newestGrant();
      expect(grant.scopes).toContain('write:jira-work');
      // The refreshed old grant answered with the old scopes: they must not come back.
      expect(gate.answers('refresh_token').at(-1)!.body.scope).not.toContain('write:jira-work');
      await expectRowHoldsNewestGrant(id, grant);
      const allowed = await fetch(`${app.url}/scoped/write`, { headers });
      expect(allowed.status).toBe(200);
      await expectNextRefreshUses(id, grant);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });

    it.each([
      [
        'a refusal (403 invalid_grant)',
        403,
        { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      ],
      ['a failure that may pass (503)', 503, { error: 'temporarily_unavailable' }],
    ])(
      'a late answer of the old grant after a new sign-in, %s, leaves the new consent alone',
      async (_label, status, body) => {
        const { id } = await linkedAccount(`late-${status}-${kind}`);
        emulator.inject({ route: 'token', match: { grantType: 'refresh_token' }, status, body });

        const result = await raceScheduledRefresh(id, async () => {
          await signInThroughApp(app, emulator);
        });

        expect(refreshCalls({ status })).toBe(1);
        await expectRowHoldsNewestGrant(id, newestGrant());
        // Neither reauth_required nor refresh_failed: nothing was said about the account.
        expect(events.filter((e) => e.payload.accountId === id).map((e) => e.name)).toEqual([]);
        // The answer concerned a grant the account no longer holds: the tick dropped it, as any superseded refresh.
        expect(result).toEqual({ ...NOTHING_SWEPT, superseded: 1 });
        expect(emulator.refreshTokenReplays()).toBe(0);
      },
    );

    it.each([
      ['rotates it (200)', undefined, undefined],
      [
        'refuses it (403 invalid_grant)',
        403,
        { error: 'invalid_grant', error_description: 'Unknown or invalid refresh token.' },
      ],
      ['fails (503)', 503, { error: 'temporarily_unavailable' }],
    ])(
      "getAccessToken in flight during a new sign-in, when the old grant's refresh %s, answers the new grant's token",
      async (_label, status, body) => {
        const { id } = await linkedAccount(`on-demand-${status ?? 200}-${kind}`);
        if (status !== undefined)
          emulator.inject({ route: 'token', match: { grantType: 'refresh_token' }, status, body });
        emulator.clock.advance(MINUTE_MS);
        await setStoredExpiry(app.dataSource, [id], emulator.clock.now());
        const before = refreshCalls();
        gate.hold();
        const call = tokens.getAccessToken({ accountId: id });
        await Promise.race([
          gate.whenHeld(1),
          call.then((token) =>
            Promise.reject(new Error(`answered ${token.length} characters without a held refresh`)),
          ),
        ]);

        await signInThroughApp(app, emulator);
        expect(refreshCalls() - before).toBe(0);
        gate.release();

        const grant = newestGrant();
        expect(await call).toBe(grant.accessToken);
        expect(refreshCalls() - before).toBe(1);
        await expectRowHoldsNewestGrant(id, grant);
        expect(events.filter((e) => e.payload.accountId === id).map((e) => e.name)).toEqual([]);
        expect(emulator.refreshTokenReplays()).toBe(0);
      },
    );

    it('forgetTokens during the refresh: the account stays forgotten, and getAccessToken says so', async () => {
      const { id, firstRefreshToken } = await linkedAccount(`forget-${kind}`);

      const result = await raceScheduledRefresh(id, () => tokens.forgetTokens({ accountId: id }));

      expect(result).toEqual({ ...NOTHING_SWEPT, superseded: 1 });
      expect(emulator.refreshTokenUses(firstRefreshToken)).toBe(1);
      const calls = refreshCalls();
      const row = await storedAccount(app.dataSource, id);
      expect(row).toMatchObject({
        status: 'revoked',
        statusReason: 'tokens forgotten by the app',
        accessTokenEncrypted: '',
        refreshTokenEncrypted: null,
        accessTokenExpiresAt: null,
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
      });
      await expect(tokens.getAccessToken({ accountId: id })).rejects.toThrow(
        AtlassianReauthRequiredError,
      );
      await expect(tokens.getAccessToken({ accountId: id })).rejects.toMatchObject({
        code: 'reauth_required',
        accountId: id,
      });
      expect(await scheduler.runOnce()).toEqual(NOTHING_SWEPT);
      expect(refreshCalls()).toBe(calls);
      expect(
        events.filter(
          (e) => e.name === AtlassianEvents.TokenRefreshed && e.payload.accountId === id,
        ),
      ).toEqual([]);
      expect(emulator.refreshTokenReplays()).toBe(0);
    });
  },
);
