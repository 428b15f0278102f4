import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { getGlobalDispatcher } from 'undici';
import { TokenCipher, tokenBinding } from '../../src/crypto/token-cipher.js';
import type { FloorSweepResult, FloorSweepSettings } from './floor-sweep.js';

/**
 * The floor of the sweep benchmark, in its own process like the library's sweeping process: the least
 * work a correct refresh of a due account needs, hand-written with the same drivers (TypeORM's
 * DataSource over pg, plain SQL with positional parameters; undici's global dispatcher for the POST;
 * node:crypto through the same cipher).
 * Per batch: one claim (the same lease claim as the library: FOR UPDATE SKIP LOCKED, the database's
 * clock), returning the claimed rows' ciphertexts. Per account: decrypt the refresh token, one POST to
 * the token endpoint, two encryptions, one UPDATE fenced by the lease. No events, no retries, no
 * telemetry, no Nest.
 */

const CLAIM = `UPDATE "atlassian_linked_accounts" SET "refreshLeaseOwner" = $1,
    "refreshLeaseExpiresAt" = clock_timestamp() + make_interval(secs => $2::float8 / 1000),
    "version" = "version" + 1, "updatedAt" = CURRENT_TIMESTAMP
  WHERE "id" IN (SELECT "id" FROM "atlassian_linked_accounts"
      WHERE "status" = 'active' AND "provider" = 'atlassian' AND "accessTokenExpiresAt" <= $3
        AND ("nextRefreshAttemptAt" IS NULL OR "nextRefreshAttemptAt" <= $6)
        AND ("refreshLeaseExpiresAt" IS NULL OR "refreshLeaseExpiresAt" <= clock_timestamp())
        AND ("lastRefreshedAt" IS NULL OR "lastRefreshedAt" < $4)
      ORDER BY "accessTokenExpiresAt" LIMIT $5 FOR UPDATE SKIP LOCKED)
    AND ("refreshLeaseExpiresAt" IS NULL OR "refreshLeaseExpiresAt" <= clock_timestamp())
  RETURNING "id", "refreshTokenEncrypted"`;

const STORE = `UPDATE "atlassian_linked_accounts" SET "accessTokenEncrypted" = $1,
    "refreshTokenEncrypted" = $2, "accessTokenExpiresAt" = $3, "lastRefreshedAt" = $4,
    "refreshFailureCount" = 0, "nextRefreshAttemptAt" = NULL, "lastRefreshError" = NULL,
    "refreshLeaseOwner" = NULL, "refreshLeaseExpiresAt" = NULL,
    "version" = "version" + 1, "updatedAt" = CURRENT_TIMESTAMP
  WHERE "id" = $5 AND "refreshLeaseOwner" = $6`;

interface ClaimedRow {
  id: string;
  refreshTokenEncrypted: string;
}

async function sweep(settings: FloorSweepSettings, dataSource: DataSource): Promise<number> {
  const cipher = new TokenCipher([
    { id: settings.encryptionKey.id, key: Buffer.from(settings.encryptionKey.key, 'base64') },
  ]);
  const tickStartedAt = new Date();
  const tokenUrl = new URL(settings.tokenUrl);
  let refreshed = 0;
  for (;;) {
    const now = new Date();
    const leaseId = crypto.randomUUID();
    const [rows] = (await dataSource.query(CLAIM, [
      leaseId,
      settings.leaseMs,
      new Date(now.getTime() + settings.windowMs),
      tickStartedAt,
      settings.concurrency,
      now,
    ])) as [ClaimedRow[], number];
    if (rows.length === 0) return refreshed;
    await Promise.all(
      rows.map(async (row) => {
        const refreshToken = cipher.decrypt(
          row.refreshTokenEncrypted,
          tokenBinding(row.id, 'refresh'),
        );
        // The library's transport: the global dispatcher's own request.
        const response = await getGlobalDispatcher().request({
          origin: tokenUrl.origin,
          path: tokenUrl.pathname,
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({
            grant_type: 'refresh_token',
            refresh_token: refreshToken,
            client_id: settings.clientId,
            client_secret: settings.clientSecret,
          }),
        });
        const tokens = (await response.body.json()) as {
          access_token: string;
          refresh_token: string;
          expires_in: number;
        };
        if (response.statusCode !== 200)
          throw new Error(`the token endpoint answered ${response.statusCode}`);
        const storedAt = new Date();
        const [, affected] = (await dataSource.query(STORE, [
          cipher.encrypt(tokens.access_token, tokenBinding(row.id, 'access')),
          cipher.encrypt(tokens.refresh_token, tokenBinding(row.id, 'refresh')),
          new Date(storedAt.getTime() + tokens.expires_in * 1000),
          storedAt,
          row.id,
          leaseId,
        ])) as [unknown, number];
        if (affected === 1) refreshed++;
      }),
    );
  }
}

/** The next message from the parent. */
function nextMessage<T>(): Promise<T> {
  return new Promise((resolve) => process.once('message', resolve));
}

async function main(): Promise<void> {
  const settings = await nextMessage<FloorSweepSettings>();
  const dataSource = await new DataSource({
    type: 'postgres',
    url: settings.databaseUrl,
    poolSize: settings.poolSize,
  }).initialize();
  // Warm up the pool and the driver, as the library's process has booted before `go`.
  await Promise.all(Array.from({ length: settings.poolSize }, () => dataSource.query('SELECT 1')));
  process.send!('ready');
  await nextMessage();
  const cpuBefore = process.cpuUsage();
  const startedAt = performance.now();
  const refreshed = await sweep(settings, dataSource);
  const cpu = process.cpuUsage(cpuBefore);
  const result: FloorSweepResult = {
    refreshed,
    wallMs: performance.now() - startedAt,
    cpuMs: (cpu.user + cpu.system) / 1000,
  };
  await new Promise<void>((resolve) => process.send!(result, () => resolve()));
  await dataSource.destroy();
  process.disconnect();
}

main().catch((err: unknown) => {
  process.stderr.write(`floor sweep failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
