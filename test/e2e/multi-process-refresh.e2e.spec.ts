import diagnosticsChannel from 'node:diagnostics_channel';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource } from 'typeorm';
import { afterEach, describe, expect, it } from 'vitest';
import { tokenBinding, type LinkedAccount } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import type { TokenAppSpec, TokenWorkerResult } from '../fixtures/token-worker.js';
import { createTestDatabase } from '../support/databases.js';
import {
  newEncryptionKey,
  openAccountsDatabase,
  seedAccounts,
  tokenCipherFor,
} from '../support/seed-accounts.js';
import { storedAccount, storedAccounts } from '../support/stored-accounts.js';
import { startTokenWorkers, type TokenWorkers } from '../support/worker-processes.js';

const HOUR_MS = 3600_000;
const CLIENT = { clientId: 'multi-process-client', clientSecret: 'multi-process-secret' };

/**
 * Real Node processes sharing one PostgreSQL database, each with its own app, against one emulator.
 * The emulator clock runs in real time, as the workers' clocks do; tokens are made due by seeding
 * their stored expiry in the past.
 */
describe('token refresh across processes (postgres)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    // Workers first, then the database, then the emulator; one failing cleanup does not skip the others.
    const outcomes = [];
    for (const cleanup of cleanups.splice(0).reverse())
      outcomes.push(
        await cleanup().then(
          () => undefined,
          (err: unknown) => err,
        ),
      );
    const failure = outcomes.find((outcome) => outcome !== undefined);
    if (failure) throw failure;
  });

  async function scenario() {
    const emulator = await AtlassianEmulator.start({ realTimeClock: true });
    cleanups.push(() => emulator.stop());
    emulator.registerClient({
      ...CLIENT,
      redirectUris: ['http://127.0.0.1:3000/auth/atlassian/callback'],
    });
    const connection = (await createTestDatabase('postgres')).typeorm as {
      type: 'postgres';
      url: string;
    };
    const dataSource = await openAccountsDatabase(connection);
    cleanups.push(() => dataSource.destroy());
    const encryptionKey = newEncryptionKey();
    const spec: TokenAppSpec = {
      database: connection,
      emulatorUrl: emulator.url,
      ...CLIENT,
      encryptionKey,
    };
    const now = Date.now();
    // Expired an hour ago: every seeded account is due, and its refresh token is still unused.
    const seed = (count: number) =>
      seedAccounts(dataSource, emulator, {
        count,
        encryptionKey,
        clientId: CLIENT.clientId,
        accessTokenExpiresAt: new Date(now - HOUR_MS),
        lastRefreshedAt: new Date(now - 2 * HOUR_MS),
        consentedAt: new Date(now - 2 * HOUR_MS),
      });
    const workers = async (
      ...launches: Parameters<typeof startTokenWorkers>[0]
    ): Promise<TokenWorkers> => {
      const group = await startTokenWorkers(launches);
      cleanups.push(() => group.close());
      return group;
    };
    return { emulator, dataSource, spec, seed, workers, cipher: tokenCipherFor(encryptionKey) };
  }

  it(
    '4 processes × 25 concurrent callers on one expired account: exactly one refresh, one token for all',
    { timeout: 30_000 },
    async () => {
      const { emulator, dataSource, spec, seed, workers, cipher } = await scenario();
      const [account] = await seed(1);
      const group = await workers(
        ...Array.from({ length: 4 }, () => ({
          spec,
          job: { kind: 'get' as const, accountId: account.id, calls: 25 },
        })),
      );

      const results = await group.run();

      expect(new Set(results.map((result) => result.pid)).size).toBe(4);
      const outcomes = results.flatMap(
        (result) => (result as Extract<TokenWorkerResult, { kind: 'get' }>).outcomes,
      );
      expect(outcomes).toHaveLength(100);
      expect(outcomes.filter((outcome) => 'errorCode' in outcome)).toEqual([]);
      const tokens = new Set(outcomes.map((outcome) => (outcome as { token: string }).token));
      expect(tokens.size).toBe(1);
      const [token] = tokens;
      expect(token).not.toBe(account.accessToken);
      expect(emulator.isAccessTokenValid(token)).toBe(true);
      expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
      expect(emulator.count('token', { refreshTokenReused: true })).toBe(0);
      const row = await storedAccount(dataSource, account.id);
      expect(cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))).toBe(token);
      expect(emulator.refreshTokenUses(account.refreshToken)).toBe(1);
      expect(
        emulator.refreshTokenUses(
          cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
        ),
      ).toBe(0);
      expect(row).toMatchObject({
        status: 'active',
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
        refreshFailureCount: 0,
      });
    },
  );

  it(
    'the scheduler in 3 processes at once over 300 expiring accounts refreshes each account exactly once',
    { timeout: 40_000 },
    async () => {
      const { emulator, dataSource, spec, seed, workers, cipher } = await scenario();
      const accounts = await seed(300);
      const group = await workers(
        ...Array.from({ length: 3 }, () => ({ spec, job: { kind: 'sweep' as const } })),
      );

      const results = await group.run();

      const sweeps = results.map(
        (result) => (result as Extract<TokenWorkerResult, { kind: 'sweep' }>).sweep,
      );
      expect(sweeps.reduce((sum, sweep) => sum + sweep.refreshed, 0)).toBe(300);
      expect(sweeps.map(({ failed, reauthRequired }) => ({ failed, reauthRequired }))).toEqual(
        Array(3).fill({ failed: 0, reauthRequired: 0 }),
      );
      expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(300);
      expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(300);
      expect(emulator.count('token', { refreshTokenReused: true })).toBe(0);
      const rows = new Map(
        (
          await storedAccounts(
            dataSource,
            accounts.map((a) => a.id),
          )
        ).map((row) => [row.id, row]),
      );
      expect(rows.size).toBe(300);
      const problems = accounts.flatMap((account) => {
        const row = rows.get(account.id)!;
        const found: string[] = [];
        if (!(row.lastRefreshedAt! > new Date(Date.now() - HOUR_MS)))
          found.push('lastRefreshedAt did not move');
        if (emulator.refreshTokenUses(account.refreshToken) !== 1)
          found.push(
            `seeded refresh token used ${emulator.refreshTokenUses(account.refreshToken)} times`,
          );
        if (
          emulator.refreshTokenUses(
            cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
          ) !== 0
        )
          found.push('stored refresh token already used');
        if (
          !emulator.isAccessTokenValid(
            cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access')),
          )
        )
          found.push('stored access token not valid');
        if (row.status !== 'active' || row.refreshLeaseOwner !== null)
          found.push(`status ${row.status}, lease ${row.refreshLeaseOwner}`);
        return found.map((problem) => `${account.providerAccountId}: ${problem}`);
      });
      expect(problems).toEqual([]);
    },
  );

  it(
    'a winner that crashes after claiming does not block the account: another process refreshes once its claim lapses',
    { timeout: 40_000 },
    async () => {
      const { emulator, dataSource, spec, seed, workers, cipher } = await scenario();
      const [account] = await seed(1);
      // The first refresh hangs without rotating, long past the crashing worker's life.
      emulator.inject({
        route: 'token',
        match: { grantType: 'refresh_token' },
        delayMs: 10_000,
        hangUp: true,
        times: 1,
      });
      const shortLease = { refreshLeaseMs: 3_000, storeBudgetMs: 400, cacheTtlMs: 0 };
      const group = await workers(
        {
          spec: { ...spec, httpTimeoutMs: 2_500, tokens: shortLease },
          job: { kind: 'get-and-hang', accountId: account.id },
        },
        {
          spec: { ...spec, httpTimeoutMs: 800, tokens: shortLease },
          job: { kind: 'get', accountId: account.id, calls: 5 },
        },
      );
      const [crashing, successor] = group.workers;

      // Killed only once its refresh request is held by the emulator: killed earlier, the request could
      // still arrive after the crash, or leave the fault to the successor.
      const held = tokenRequestReceived(emulator, 10_000);
      crashing.go();
      await held;
      const claimed = await waitForRow(
        dataSource,
        account.id,
        (row) => row.refreshLeaseOwner !== null,
        10_000,
      );
      await crashing.kill('SIGKILL');
      await expect(crashing.result).rejects.toThrow(
        /exited \(code null, signal SIGKILL\) before it reported/,
      );
      const leaseEndsAt = claimed.refreshLeaseExpiresAt!.getTime();
      expect((await storedAccount(dataSource, account.id)).refreshLeaseOwner).toBe(
        claimed.refreshLeaseOwner,
      );

      successor.go();
      const result = (await successor.result) as Extract<TokenWorkerResult, { kind: 'get' }>;

      expect(result.outcomes.filter((outcome) => 'errorCode' in outcome)).toEqual([]);
      const tokens = new Set(
        result.outcomes.map((outcome) => (outcome as { token: string }).token),
      );
      expect(tokens.size).toBe(1);
      const [token] = tokens;
      expect(emulator.isAccessTokenValid(token)).toBe(true);
      const successes = emulator.calls.filter(
        (call) =>
          call.route === 'token' && call.grantType === 'refresh_token' && call.status === 200,
      );
      expect(successes).toHaveLength(1);
      expect(successes[0].at.getTime()).toBeGreaterThanOrEqual(leaseEndsAt);
      expect(emulator.count('token', { refreshTokenReused: true })).toBe(0);
      const row = await waitForRow(
        dataSource,
        account.id,
        (r) => r.refreshLeaseOwner === null,
        5_000,
      );
      expect(row).toMatchObject({
        status: 'active',
        refreshLeaseOwner: null,
        refreshLeaseExpiresAt: null,
        refreshFailureCount: 0,
        nextRefreshAttemptAt: null,
      });
      expect(row.version).toBeGreaterThan(claimed.version);
      expect(cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))).toBe(token);
      expect(emulator.refreshTokenUses(account.refreshToken)).toBe(1);
      expect(
        emulator.refreshTokenUses(
          cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
        ),
      ).toBe(0);
    },
  );
});

/**
 * Resolves once the emulator (a server in this process) has read a whole `POST /oauth/token`, and so
 * has applied any injected fault to it. Node's `http.server.request.start` channel sees each request.
 */
function tokenRequestReceived(emulator: AtlassianEmulator, timeoutMs: number): Promise<void> {
  const port = Number(new URL(emulator.url).port);
  return new Promise((resolve, reject) => {
    const onRequest = (message: unknown) => {
      const { request, server } = message as { request: IncomingMessage; server: Server };
      if ((server.address() as AddressInfo | null)?.port !== port || request.url !== '/oauth/token')
        return;
      diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
      // setImmediate: the emulator's own 'end' handler, and the fault it takes, run first.
      request.once('end', () =>
        setImmediate(() => {
          clearTimeout(timer);
          resolve();
        }),
      );
    };
    const timer = setTimeout(() => {
      diagnosticsChannel.unsubscribe('http.server.request.start', onRequest);
      reject(
        new Error(`the emulator did not receive a whole token request within ${timeoutMs} ms`),
      );
    }, timeoutMs);
    diagnosticsChannel.subscribe('http.server.request.start', onRequest);
  });
}

/** Polls the row until `done` holds, failing after `timeoutMs`. */
async function waitForRow(
  dataSource: DataSource,
  id: string,
  done: (row: LinkedAccount) => boolean,
  timeoutMs: number,
): Promise<LinkedAccount> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const row = await storedAccount(dataSource, id);
    if (done(row)) return row;
    if (Date.now() > deadline)
      throw new Error(
        `account ${id} did not reach the expected state within ${timeoutMs} ms (lease owner ${row.refreshLeaseOwner}, status ${row.status})`,
      );
    await sleep(20);
  }
}
