import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { LinkedAccount, tokenBinding } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import type { TokenAppSpec } from '../fixtures/token-worker.js';
import { createTestDatabase } from '../support/databases.js';
import { emulatorRequestReceived } from '../support/emulator-requests.js';
import {
  newEncryptionKey,
  openAccountsDatabase,
  seedAccounts,
  tokenCipherFor,
} from '../support/seed-accounts.js';
import { storedAccount } from '../support/stored-accounts.js';
import {
  startTokenWorkers,
  type TokenWorkers,
  type WorkerLaunch,
} from '../support/worker-processes.js';

const HOUR_MS = 3600_000;
const CLIENT = { clientId: 'worker-client', clientSecret: 'worker-secret' };
const BITBUCKET = { clientId: 'worker-bitbucket-key', clientSecret: 'worker-bitbucket-secret' };

/**
 * The test harness of the multi-process suites, checked against real processes: per-worker clocks and
 * time zones, long-lived workers driven job by job, and crashes in the middle of a job.
 */
describe('token worker processes (postgres)', () => {
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
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
    const emulator = await AtlassianEmulator.start({
      realTimeClock: true,
      refreshLeewaySeconds: 0,
    });
    cleanups.push(() => emulator.stop());
    emulator.registerClient({
      ...CLIENT,
      redirectUris: ['http://127.0.0.1:3000/auth/atlassian/callback'],
    });
    emulator.registerBitbucketConsumer({
      key: BITBUCKET.clientId,
      secret: BITBUCKET.clientSecret,
      callbackURL: 'http://127.0.0.1:3000/auth/bitbucket/callback',
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
      tokens: { cacheTtlMs: 0 },
    };
    const now = Date.now();
    const [account] = await seedAccounts(dataSource, emulator, {
      count: 1,
      encryptionKey,
      clientId: CLIENT.clientId,
      accessTokenExpiresAt: new Date(now - HOUR_MS),
      lastRefreshedAt: new Date(now - 2 * HOUR_MS),
      consentedAt: new Date(now - 2 * HOUR_MS),
    });
    const workers = async (...launches: WorkerLaunch[]): Promise<TokenWorkers> => {
      const group = await startTokenWorkers(launches);
      cleanups.push(() => group.close());
      return group;
    };
    return { emulator, dataSource, spec, account, encryptionKey, workers };
  }

  it('a worker with clockOffsetMs +90 s and TZ Asia/Kolkata sees that clock and zone; its app runs on it', async () => {
    const { emulator, spec, account, workers } = await scenario();
    const group = await workers(
      { spec: { ...spec, clockOffsetMs: 90_000 }, env: { TZ: 'Asia/Kolkata' } },
      { spec },
    );
    const [ahead, plain] = group.workers;

    const before = Date.now();
    const [aheadClock, plainClock] = await Promise.all([
      ahead.run({ kind: 'clock' }),
      plain.run({ kind: 'clock' }),
    ]);
    const after = Date.now();

    for (const reading of [aheadClock.nowMs, aheadClock.newDateMs]) {
      expect(reading).toBeGreaterThanOrEqual(before + 90_000);
      expect(reading).toBeLessThanOrEqual(after + 90_000);
    }
    // ICU may answer with the zone's older name.
    expect(aheadClock).toMatchObject({
      timeZone: expect.stringMatching(/^Asia\/(Kolkata|Calcutta)$/),
      utcOffsetMinutes: 330,
    });
    expect(plainClock.nowMs).toBeGreaterThanOrEqual(before);
    expect(plainClock.nowMs).toBeLessThanOrEqual(after);
    expect(plainClock.timeZone).toBe(Intl.DateTimeFormat().resolvedOptions().timeZone);

    // Nest, TypeORM and pg, loaded after the shim, work on the shifted clock.
    const forced = await ahead.run({ kind: 'force', accountId: account.id });
    expect(forced.outcomes).toEqual([{ token: expect.any(String) }]);
    expect((await plain.run({ kind: 'get', accountId: account.id, calls: 1 })).outcomes).toEqual(
      forced.outcomes,
    );
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('a long-lived worker runs jobs one after another and side by side, each answered by id', async () => {
    const { emulator, spec, account, workers } = await scenario();
    const [worker] = (await workers({ spec })).workers;

    const [got, status] = await Promise.all([
      worker.run({ kind: 'get', accountId: account.id, calls: 3 }),
      worker.run({ kind: 'status', accountId: account.id }),
    ]);
    expect(
      new Set(
        got.outcomes.map((outcome) => ('token' in outcome ? outcome.token : outcome.errorCode)),
      ).size,
    ).toBe(1);
    expect(status.outcome).toMatchObject({ status: { accountId: account.id, status: 'active' } });

    const forced = await worker.run({ kind: 'force', accountId: account.id, calls: 2 });
    expect(forced.outcomes).toHaveLength(2);
    expect(forced.outcomes[0]).toEqual(forced.outcomes[1]);
    expect(forced.outcomes[0]).not.toEqual(got.outcomes[0]);
    expect(await worker.run({ kind: 'forget', accountId: account.id })).toMatchObject({
      kind: 'forget',
      outcome: { forgotten: true },
    });
    expect((await worker.run({ kind: 'get', accountId: account.id, calls: 1 })).outcomes).toEqual([
      { errorCode: 'reauth_required' },
    ]);
    expect((await worker.run({ kind: 'status', accountId: randomUUID() })).outcome).toEqual({
      errorCode: 'account_not_linked',
    });
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(2);
    expect(emulator.refreshTokenReplays()).toBe(0);
    expect(worker.alive).toBe(true);
  });

  it('killing a worker rejects its pending jobs; a worker started again from its launch carries on', async () => {
    const { emulator, dataSource, spec, account, workers } = await scenario();
    // A short claim, so that the next worker need not wait long for the dead one's to lapse.
    const tokens = { cacheTtlMs: 0, refreshLeaseMs: 3_000, storeBudgetMs: 400 };
    const [worker] = (await workers({ spec: { ...spec, httpTimeoutMs: 2_000, tokens } })).workers;
    // Held, then hung up on without rotating: the dead worker's refresh never happens.
    emulator.inject({
      route: 'token',
      match: { grantType: 'refresh_token' },
      delayMs: 10_000,
      hangUp: true,
      times: 1,
    });

    // The forced refresh claims the row and waits on the emulator; the get waits for that claim.
    const held = emulatorRequestReceived(emulator);
    const forced = worker.run({ kind: 'force', accountId: account.id });
    const got = worker.run({ kind: 'get', accountId: account.id, calls: 1 });
    await held;
    expect((await storedAccount(dataSource, account.id)).refreshLeaseOwner).not.toBeNull();
    await worker.kill('SIGKILL');
    await expect(forced).rejects.toThrow(
      /token worker 0 exited \(code null, signal SIGKILL\) while its force job was running/,
    );
    await expect(got).rejects.toThrow(/while its get job was running/);
    await expect(worker.run({ kind: 'clock' })).rejects.toThrow(
      /token worker 0 is gone .*: its clock job cannot run/,
    );

    const [again] = (await workers(worker.launch)).workers;
    expect(again.pid).not.toBe(worker.pid);
    expect((await again.run({ kind: 'force', accountId: account.id })).outcomes).toEqual([
      { token: expect.any(String) },
    ]);
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(1);
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('a worker serves run() while its one-shot go job hangs', async () => {
    const { emulator, spec, account, workers } = await scenario();
    const [worker] = (
      await workers({
        spec: { ...spec, httpTimeoutMs: 20_000 },
        job: { kind: 'get-and-hang', accountId: account.id },
      })
    ).workers;
    emulator.inject({
      route: 'token',
      match: { grantType: 'refresh_token' },
      delayMs: 10_000,
      hangUp: true,
      times: 1,
    });
    const held = emulatorRequestReceived(emulator);

    let goSettled = false;
    void worker.result.finally(() => (goSettled = true)).catch(() => undefined);
    worker.go();
    await Promise.all([worker.started, held]);

    expect((await worker.run({ kind: 'status', accountId: account.id })).outcome).toMatchObject({
      status: { status: 'active' },
    });
    expect(goSettled).toBe(false);
    await worker.kill('SIGKILL');
    await expect(worker.result).rejects.toThrow(
      /exited \(code null, signal SIGKILL\) before it reported/,
    );
  });

  it("a worker given a Bitbucket consumer refreshes a Bitbucket account on the emulator's Bitbucket server", async () => {
    const { emulator, dataSource, spec, encryptionKey, workers } = await scenario();
    const issued = emulator.issueBitbucketTokens({ consumerKey: BITBUCKET.clientId });
    const cipher = tokenCipherFor(encryptionKey);
    const id = randomUUID();
    const longAgo = new Date(Date.now() - 2 * HOUR_MS);
    await dataSource.getRepository(LinkedAccount).insert({
      id,
      userId: 'bitbucket-user',
      provider: 'bitbucket',
      providerAccountId: 'bitbucket-account',
      email: 'bitbucket@example.com',
      displayName: 'Bitbucket',
      scopes: ['account', 'email', 'repository'],
      accessTokenEncrypted: cipher.encrypt(issued.access_token, tokenBinding(id, 'access')),
      refreshTokenEncrypted: cipher.encrypt(issued.refresh_token, tokenBinding(id, 'refresh')),
      accessTokenExpiresAt: new Date(Date.now() - HOUR_MS),
      lastRefreshedAt: longAgo,
      consentedAt: longAgo,
    });
    const [worker] = (await workers({ spec: { ...spec, bitbucket: BITBUCKET } })).workers;

    const { outcomes } = await worker.run({ kind: 'get', accountId: id, calls: 1 });

    expect(outcomes).toEqual([{ token: expect.any(String) }]);
    expect(emulator.isBitbucketAccessTokenValid((outcomes[0] as { token: string }).token)).toBe(
      true,
    );
    expect(
      emulator.count('bitbucket-token', {
        grantType: 'refresh_token',
        status: 200,
        clientAuth: 'basic',
      }),
    ).toBe(1);
  });
});
