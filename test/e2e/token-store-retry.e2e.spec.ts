import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianTokenRefreshError,
  AtlassianTokenService,
  TokenCipher,
  tokenBinding,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { storedAccount } from '../support/stored-accounts.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const HOUR_MS = 3600_000;

/**
 * Real write failures from the database itself: a trigger rejects the first N updates that change
 * the stored access token. A sequence counts them because, unlike a table, it is not rolled back.
 */
async function failTokenWrites(app: TestApp, times: number): Promise<void> {
  await app.dataSource.query(
    `DROP TRIGGER IF EXISTS fail_token_write ON atlassian_linked_accounts`,
  );
  await app.dataSource.query(`DROP SEQUENCE IF EXISTS fail_token_write_seq`);
  await app.dataSource.query(`CREATE SEQUENCE fail_token_write_seq`);
  await app.dataSource.query(`
    CREATE OR REPLACE FUNCTION fail_token_write() RETURNS trigger AS $$
    BEGIN
      IF NEW."accessTokenEncrypted" IS DISTINCT FROM OLD."accessTokenEncrypted" AND nextval('fail_token_write_seq') <= ${times} THEN
        RAISE EXCEPTION 'injected write failure';
      END IF;
      RETURN NEW;
    END $$ LANGUAGE plpgsql`);
  await app.dataSource.query(
    `CREATE TRIGGER fail_token_write BEFORE UPDATE ON atlassian_linked_accounts FOR EACH ROW EXECUTE FUNCTION fail_token_write()`,
  );
}

describe('storing a rotated token pair when the database write fails (postgres)', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  const logger = new CapturingLogger();

  beforeAll(async () => {
    // No reuse leeway: a second use of a refresh token revokes the grant at once.
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
    app = await startTestApp({
      database: await createTestDatabase('postgres'),
      emulator,
      options: {
        httpTimeoutMs: 1_000,
        tokens: {
          cacheTtlMs: 0,
          storeBudgetMs: 1_500,
          refreshLeaseMs: 6_000,
          refreshWaitMs: 1_000,
        },
      },
      now: () => emulator.clock.now(),
      logger,
    });
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('writes the pair on retry after failed writes: nothing lost, one refresh, no reuse', async () => {
    emulator.addUser({ accountId: 'write-retried', name: 'Write Retried' });
    emulator.signInAs('write-retried');
    const { account } = await signInThroughApp(app, emulator);
    await failTokenWrites(app, 3);
    emulator.clock.advance(HOUR_MS);
    const token = await app.app
      .get(AtlassianTokenService)
      .getAccessToken({ accountId: account.id });
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(1);
    const cipher = app.app.get(TokenCipher);
    const row = await storedAccount(app.dataSource, account.id);
    expect(cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))).toBe(token);
    expect(emulator.isAccessTokenValid(token)).toBe(true);
    expect(
      emulator.refreshTokenUses(
        cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
      ),
    ).toBe(0);
    expect(row.refreshLeaseOwner).toBeNull();
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('when the budget runs out, keeps the old pair and holds the lease: nobody refreshes before it lapses', async () => {
    emulator.addUser({ accountId: 'write-never', name: 'Write Never' });
    emulator.signInAs('write-never');
    const { account } = await signInThroughApp(app, emulator);
    const before = await storedAccount(app.dataSource, account.id);
    await failTokenWrites(app, 1_000_000);
    emulator.clock.advance(HOUR_MS);
    const service = app.app.get(AtlassianTokenService);
    await expect(service.getAccessToken({ accountId: account.id })).rejects.toThrow(
      AtlassianTokenRefreshError,
    );
    const after = await storedAccount(app.dataSource, account.id);
    expect(after.refreshTokenEncrypted).toBe(before.refreshTokenEncrypted);
    expect(after.status).toBe('active');
    // The lease outlives the budget: a caller now must not refresh with the spent token.
    expect(after.refreshLeaseOwner).not.toBeNull();
    // The operator is told until when the account can be saved, and never a token.
    const [giveUp, ...more] = logger.lines.filter((line) =>
      line.includes('Could not store the rotated tokens'),
    );
    expect(more).toEqual([]);
    expect(giveUp).toMatch(
      new RegExp(
        `account ${account.id}.*stays usable until \\d{4}-\\d\\d-\\d\\dT.*600-second reuse leeway.*lease lapses at \\d{4}-`,
      ),
    );
    await app.dataSource.query(`DROP TRIGGER fail_token_write ON atlassian_linked_accounts`);
    await expect(service.getAccessToken({ accountId: account.id })).rejects.toThrow(
      AtlassianTokenRefreshError,
    );
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(2);
  });
});
