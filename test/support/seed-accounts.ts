import { randomBytes, randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import {
  LinkedAccount,
  TokenCipher,
  atlassianEntities,
  atlassianMigrations,
  tokenBinding,
  useZonedTimestamps,
  type EncryptionKeyInput,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';

/** Scopes of seeded grants: `offline_access` so that each account has a refresh token. */
export const SEEDED_SCOPES = ['read:me', 'offline_access', 'read:jira-work'];

/** Rows per INSERT: about 25 parameters a row stays under PostgreSQL's 65,535 and SQLite's 32,766. */
const ROWS_PER_INSERT = 1_000;

/** A named key (base64), as the app and the seed must share it. */
export function newEncryptionKey(id = 'seed'): EncryptionKeyInput {
  return { id, key: randomBytes(32).toString('base64') };
}

/** The cipher the app builds from the same key (a 44-character key is base64, as the module reads it). */
export function tokenCipherFor(key: EncryptionKeyInput): TokenCipher {
  return new TokenCipher([{ id: key.id, key: Buffer.from(key.key, 'base64') }]);
}

/** A DataSource on the database with the package's migrations run, as the host app would have it. */
export async function openAccountsDatabase(
  connection: { type: 'postgres'; url: string } | { type: 'better-sqlite3'; database: string },
): Promise<DataSource> {
  const dataSource = useZonedTimestamps(
    new DataSource({ ...connection, entities: atlassianEntities, migrations: atlassianMigrations }),
  );
  await dataSource.initialize();
  await dataSource.runMigrations();
  return dataSource;
}

/** What to seed; dates are the same for every account of one call (seed twice for two groups). */
export interface SeedAccountsOptions {
  count: number;
  encryptionKey: EncryptionKeyInput;
  /** Emulator client the grants belong to. */
  clientId: string;
  /** Emulator account ids are `${prefix}-${index}`; default a random prefix. */
  prefix?: string;
  /** Stored expiry: put it in the past for an expired token (the emulator still accepts its refresh token). */
  accessTokenExpiresAt: Date;
  lastRefreshedAt: Date;
  consentedAt: Date;
}

/** A seeded account and the plain tokens the emulator issued for it. */
export interface SeededAccount {
  id: string;
  userId: string;
  providerAccountId: string;
  accessToken: string;
  refreshToken: string;
}

/**
 * Inserts `count` linked accounts directly, much faster than signing each in: the emulator gets a user
 * and a grant per account, the tokens are encrypted with the app's key and the rows go in by the thousand.
 */
export async function seedAccounts(
  dataSource: DataSource,
  emulator: AtlassianEmulator,
  options: SeedAccountsOptions,
): Promise<SeededAccount[]> {
  const cipher = tokenCipherFor(options.encryptionKey);
  // 64 random bits: a suite seeds hundreds of batches into one database, and 24 bits once collided
  // (a duplicate providerAccountId failed a CI run before any refresh).
  const prefix = options.prefix ?? `seed-${randomBytes(8).toString('hex')}`;
  const seeded: SeededAccount[] = [];
  const rows: Array<Partial<LinkedAccount>> = [];
  for (let index = 0; index < options.count; index++) {
    const providerAccountId = `${prefix}-${index}`;
    emulator.addUser({ accountId: providerAccountId, name: `Seeded ${index}` });
    const issued = emulator.issueTokens({
      accountId: providerAccountId,
      clientId: options.clientId,
      scopes: SEEDED_SCOPES,
    });
    const account: SeededAccount = {
      id: randomUUID(),
      userId: `user-${providerAccountId}`,
      providerAccountId,
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token!,
    };
    seeded.push(account);
    rows.push({
      id: account.id,
      userId: account.userId,
      provider: 'atlassian',
      providerAccountId,
      email: `${providerAccountId}@example.com`,
      displayName: `Seeded ${index}`,
      scopes: issued.scope.split(' '),
      accessTokenEncrypted: cipher.encrypt(issued.access_token, tokenBinding(account.id, 'access')),
      refreshTokenEncrypted: cipher.encrypt(
        issued.refresh_token!,
        tokenBinding(account.id, 'refresh'),
      ),
      accessTokenExpiresAt: options.accessTokenExpiresAt,
      lastRefreshedAt: options.lastRefreshedAt,
      consentedAt: options.consentedAt,
    });
  }
  await dataSource.transaction(async (manager) => {
    for (let start = 0; start < rows.length; start += ROWS_PER_INSERT) {
      await manager
        .createQueryBuilder()
        .insert()
        .into(LinkedAccount)
        .values(rows.slice(start, start + ROWS_PER_INSERT))
        .updateEntity(false)
        .execute();
    }
  });
  return seeded;
}
