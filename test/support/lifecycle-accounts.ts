import { EventEmitter2 } from '@nestjs/event-emitter';
import { randomBytes, randomUUID } from 'node:crypto';
import { In, type DataSource } from 'typeorm';
import {
  LinkedAccount,
  tokenBinding,
  type EncryptionKeyInput,
  type RefreshSweepResult,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { tokenCipherFor, type SeededAccount } from './seed-accounts.js';
import type { TestApp } from './test-app.js';

export const MINUTE_MS = 60_000;
export const DAY_MS = 24 * 3600_000;

/** An event the app published, in the order it did. */
export interface PublishedEvent {
  name: string;
  payload: Record<string, unknown>;
}

/** Every event the app publishes from now on (the app must import `EventEmitterModule.forRoot({ wildcard: true })`). */
export function recordEvents(app: TestApp): PublishedEvent[] {
  const events: PublishedEvent[] = [];
  app.app
    .get(EventEmitter2)
    .onAny((name, payload) =>
      events.push({ name: String(name), payload: payload as Record<string, unknown> }),
    );
  return events;
}

/** Sets the stored expiry of the accounts' access tokens, e.g. into the scheduler's window; nothing else changes. */
export async function setStoredExpiry(
  dataSource: DataSource,
  ids: string[],
  accessTokenExpiresAt: Date,
): Promise<void> {
  await dataSource.getRepository(LinkedAccount).update({ id: In(ids) }, { accessTokenExpiresAt });
}

/** What to seed for Bitbucket; the dates are the same for every account of one call. */
export interface SeedBitbucketAccountsOptions {
  count: number;
  encryptionKey: EncryptionKeyInput;
  /** Emulator consumer the grants belong to; default the emulator's first. */
  consumerKey?: string;
  prefix?: string;
  accessTokenExpiresAt: Date;
  lastRefreshedAt: Date;
  consentedAt: Date;
}

/** As `seedAccounts`, for Bitbucket: a user and a Bitbucket grant per account, rows inserted directly. */
export async function seedBitbucketAccounts(
  dataSource: DataSource,
  emulator: AtlassianEmulator,
  options: SeedBitbucketAccountsOptions,
): Promise<SeededAccount[]> {
  const cipher = tokenCipherFor(options.encryptionKey);
  // 64 random bits, as in seed-accounts.ts: 24 bits collided across the batches of one database.
  const prefix = options.prefix ?? `bb-seed-${randomBytes(8).toString('hex')}`;
  const seeded: SeededAccount[] = [];
  const rows: Array<Partial<LinkedAccount>> = [];
  for (let index = 0; index < options.count; index++) {
    const providerAccountId = `${prefix}-${index}`;
    emulator.addUser({ accountId: providerAccountId, name: `Bitbucket ${index}` });
    const issued = emulator.issueBitbucketTokens({
      accountId: providerAccountId,
      consumerKey: options.consumerKey,
    });
    const account: SeededAccount = {
      id: randomUUID(),
      userId: `user-${providerAccountId}`,
      providerAccountId,
      accessToken: issued.access_token,
      refreshToken: issued.refresh_token,
    };
    seeded.push(account);
    rows.push({
      id: account.id,
      userId: account.userId,
      provider: 'bitbucket',
      providerAccountId,
      email: `${providerAccountId}@example.com`,
      displayName: `Bitbucket ${index}`,
      scopes: (issued.scope ?? issued.scopes ?? '').split(' '),
      accessTokenEncrypted: cipher.encrypt(issued.access_token, tokenBinding(account.id, 'access')),
      refreshTokenEncrypted: cipher.encrypt(
        issued.refresh_token,
        tokenBinding(account.id, 'refresh'),
      ),
      accessTokenExpiresAt: options.accessTokenExpiresAt,
      lastRefreshedAt: options.lastRefreshedAt,
      consentedAt: options.consentedAt,
    });
  }
  await dataSource
    .createQueryBuilder()
    .insert()
    .into(LinkedAccount)
    .values(rows)
    .updateEntity(false)
    .execute();
  return seeded;
}

/** A tick that did nothing: spread it and set what a test expects, so every other count is asserted 0. */
export const NOTHING_SWEPT: RefreshSweepResult = {
  refreshed: 0,
  failed: 0,
  reauthRequired: 0,
  superseded: 0,
  consentWarnings: 0,
};
