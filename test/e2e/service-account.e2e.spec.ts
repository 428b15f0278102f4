import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianApiClient,
  AtlassianErrorCode,
  AtlassianServiceAccountError,
  OAuthProviderError,
  ServiceAccountToken,
} from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import { ServiceAccountTokenStore } from '../../src/clients/service-accounts/service-account-token.store.js';
import { createTestDatabase, type TestDatabaseKind } from '../support/databases.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const { acme } = DEFAULT_EMULATOR_CLOUD_IDS;
const ROBOT = { clientId: 'robot-client', clientSecret: 'robot-secret-0123456789' };
const ROBOT_ACCOUNT_ID = '712020:service-robot-client';
const MINUTE = 60_000;

/** What every call of the service account's burst answered: `myself` as the service account. */
async function burst(app: TestApp, calls: number): Promise<string[]> {
  const jira = app.app.get(AtlassianApiClient).forServiceAccount('robot').jira(acme);
  return Promise.all(
    Array.from({ length: calls }, async () => {
      const me = await jira.get<{ accountId: string }>('/rest/api/3/myself');
      return me.accountId;
    }),
  );
}

describe.each(['sqlite', 'postgres'] as TestDatabaseKind[])(
  'Service accounts: client credentials, shared by the instances on one database (%s)',
  (kind) => {
    let emulator: AtlassianEmulator;
    let first: TestApp;
    let second: TestApp;
    const tokenRequests = () => emulator.count('token', { grantType: 'client_credentials' });
    const storedRow = (name: string) =>
      first.dataSource
        .getRepository(ServiceAccountToken)
        .createQueryBuilder('token')
        .addSelect('token.accessTokenEncrypted')
        .where('token.id = :name', { name })
        .getOne();

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start({ now: new Date('2026-12-02T09:00:00Z') });
      emulator.registerServiceAccount({
        ...ROBOT,
        scopes: ['read:jira-work', 'read:jira-user'],
        sites: [acme],
      });
      const database = await createTestDatabase(kind);
      const serviceAccounts = {
        robot: ROBOT,
        mistyped: { clientId: ROBOT.clientId, clientSecret: 'not-the-secret-9876543210' },
        spare: ROBOT,
      };
      const now = () => emulator.clock.now();
      first = await startTestApp({ database, emulator, now, options: { serviceAccounts } });
      // A second instance on the same database and keys, on the same clock.
      second = await startTestApp({
        database,
        emulator,
        now,
        options: { serviceAccounts, encryptionKeys: [first.encryptionKey] },
      });
    }, 60_000);
    afterAll(async () => {
      await second?.close();
      await first?.close();
      await emulator?.stop();
    });

    it('calls Jira as the service account, fetching one token for 50 concurrent calls on two instances; stores it encrypted', async () => {
      const answers = (await Promise.all([burst(first, 25), burst(second, 25)])).flat();
      expect(answers).toEqual(Array(50).fill(ROBOT_ACCOUNT_ID));
      expect(tokenRequests()).toBe(1);
      expect(emulator.count('jira', { status: 200 })).toBe(50);

      const token = await (
        await first.app.get(AtlassianApiClient).forServiceAccount('robot').jira(acme).connection()
      ).getToken();
      expect(emulator.isAccessTokenValid(token)).toBe(true);
      const row = await storedRow('robot');
      expect(row).toMatchObject({
        clientId: ROBOT.clientId,
        scopes: ['read:jira-work', 'read:jira-user'],
        leaseOwner: null,
      });
      expect(row!.sites.map((site) => site.cloudId)).toEqual([acme]);
      expect(row!.accessTokenEncrypted).toMatch(/^v2:/);
      expect(JSON.stringify(row)).not.toContain(token);
      expect(row!.accessTokenExpiresAt!.getTime()).toBe(
        emulator.clock.now().getTime() + 60 * MINUTE,
      );
      await expect(
        first.app.get(AtlassianApiClient).forServiceAccount('robot').sites(),
      ).resolves.toMatchObject([{ cloudId: acme }]);
    });

    it('renews the token once across both instances when it reaches its expiry, and the calls succeed', async () => {
      emulator.clock.advance(54 * MINUTE);
      await burst(first, 5);
      expect(tokenRequests()).toBe(1);
      // Inside the refresh skew (5 minutes before the 60-minute expiry): both instances want a new one.
      emulator.clock.advance(2 * MINUTE);
      const answers = (await Promise.all([burst(first, 25), burst(second, 25)])).flat();
      expect(answers).toEqual(Array(50).fill(ROBOT_ACCOUNT_ID));
      expect(tokenRequests()).toBe(2);
      // Past the first token's expiry: nothing is asked for again.
      emulator.clock.advance(10 * MINUTE);
      await Promise.all([burst(first, 10), burst(second, 10)]);
      expect(tokenRequests()).toBe(2);
      expect(emulator.count('jira', { status: 401 })).toBe(0);
    });

    it('replaces a token Jira refuses (401) once: an instance refused the old one after that uses the new one', async () => {
      const unauthorized = {
        route: 'jira',
        status: 401,
        body: { message: 'Unauthorized' },
      } as const;
      emulator.inject(unauthorized);
      await expect(burst(first, 1)).resolves.toEqual([ROBOT_ACCOUNT_ID]);
      expect(tokenRequests()).toBe(3);
      // The second instance still holds the old token: refused, it finds the new one stored.
      emulator.inject(unauthorized);
      await expect(burst(second, 1)).resolves.toEqual([ROBOT_ACCOUNT_ID]);
      expect(tokenRequests()).toBe(3);
      expect(emulator.count('jira', { status: 401 })).toBe(2);
    });

    it('refuses a wrong secret with its own code, asks once, stores nothing and leaks no secret', async () => {
      const before = tokenRequests();
      const refused = await first.app
        .get(AtlassianApiClient)
        .forServiceAccount('mistyped')
        .jira(acme)
        .get('/rest/api/3/myself')
        .catch((err: unknown) => err);
      expect(refused).toBeInstanceOf(AtlassianServiceAccountError);
      expect(refused).toMatchObject({
        code: AtlassianErrorCode.ServiceAccountRefused,
        serviceAccount: 'mistyped',
      });
      expect((refused as Error).message).toContain('serviceAccounts.mistyped.clientId');
      expect(tokenRequests() - before).toBe(1);
      expect(emulator.count('token', { grantType: 'client_credentials', status: 401 })).toBe(1);
      const body = JSON.stringify((refused as AtlassianServiceAccountError).getResponse());
      for (const secret of [ROBOT.clientSecret, 'not-the-secret-9876543210'])
        expect(`${(refused as Error).message} ${body}`).not.toContain(secret);
      const row = await storedRow('mistyped');
      expect(row).toMatchObject({ accessTokenEncrypted: null, leaseOwner: null });
    });

    it('refuses a claim on a row renewed since its caller read it, so a late instance does not ask again', async () => {
      const store = first.app.get(ServiceAccountTokenStore);
      const seen = await store.load('fenced', 'fenced-client');
      const lease = await store.claim(seen, 10_000);
      expect(lease).not.toBeNull();
      const stored = await store.save('fenced', lease!, {
        clientId: 'fenced-client',
        accessTokenEncrypted: 'v2:k:payload',
        accessTokenExpiresAt: null,
        fetchedAt: new Date(),
        scopes: [],
        sites: [],
      });
      expect(stored).toBe(true);
      // Free of leases, but no longer the version `seen` was.
      await expect(store.claim(seen, 10_000)).resolves.toBeNull();
      await expect(
        store.claim(await store.load('fenced', 'fenced-client'), 10_000),
      ).resolves.not.toBeNull();
    });

    it('asks again for a stored token no configured key decrypts (a retired key)', async () => {
      await first.dataSource.getRepository(ServiceAccountToken).insert({
        id: 'spare',
        clientId: ROBOT.clientId,
        accessTokenEncrypted: 'v2:retired-key:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        accessTokenExpiresAt: new Date(emulator.clock.now().getTime() + 50 * MINUTE),
        fetchedAt: emulator.clock.now(),
        scopes: [],
        sites: [],
      });
      const before = tokenRequests();
      const me = await first.app
        .get(AtlassianApiClient)
        .forServiceAccount('spare')
        .jira(acme)
        .get<{ accountId: string }>('/rest/api/3/myself');
      expect(me.accountId).toBe(ROBOT_ACCOUNT_ID);
      expect(tokenRequests() - before).toBe(1);
      expect((await storedRow('spare'))!.accessTokenEncrypted).toMatch(/^v2:(?!retired-key:)/);
    });

    it('names the configured service accounts when asked for another', () => {
      const api = first.app.get(AtlassianApiClient);
      expect(() => api.forServiceAccount('robto')).toThrow(AtlassianServiceAccountError);
      expect(() => api.forServiceAccount('robto')).toThrow(
        'No service account is configured as "robto": the serviceAccounts option names "robot", "mistyped", "spare".',
      );
      expect(() => api.forServiceAccount('toString')).toThrow(AtlassianServiceAccountError);
    });

    it('answers oauth_provider_unavailable when the token endpoint is down, and recovers after', async () => {
      emulator.clock.advance(61 * MINUTE);
      emulator.inject({
        route: 'token',
        match: { grantType: 'client_credentials' },
        status: 503,
        times: Infinity,
      });
      const failed = await burst(first, 1).catch((err: unknown) => err);
      expect(failed).toBeInstanceOf(OAuthProviderError);
      expect(failed).toMatchObject({ code: AtlassianErrorCode.ProviderUnavailable });
      emulator.clearFaults();
      await expect(burst(first, 3)).resolves.toEqual(Array(3).fill(ROBOT_ACCOUNT_ID));
    });
  },
);
