import { Test } from '@nestjs/testing';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ATLASSIAN_DATA_SOURCE } from '../../src/accounts/atlassian-data-source.js';
import {
  AtlassianApiClient,
  AtlassianModule,
  AtlassianTokenService,
  LinkedAccount,
  atlassianEntities,
  atlassianMigrations,
  type AuthenticatedUser,
} from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { startHealthApp, type HealthApp } from '../support/health-app.js';
import { signInThroughApp } from '../support/sign-in.js';
import { storedAccounts } from '../support/stored-accounts.js';

/** The app's own database, its default TypeORM connection: a SQLite file that knows nothing of this package. */
function appOwnDatabase() {
  const file = join(mkdtempSync(join(tmpdir(), 'nestjs-atlassian-own-')), 'app.sqlite');
  return TypeOrmModule.forRoot({ type: 'better-sqlite3', database: file, autoLoadEntities: true });
}

async function tableNames(dataSource: DataSource): Promise<string[]> {
  const rows: Array<{ name: string }> = await dataSource.query(
    `SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`,
  );
  return rows.map((row) => row.name);
}

describe('AtlassianModule on a named DataSource, beside the app default one', () => {
  let emulator: AtlassianEmulator;
  let app: HealthApp;
  let appDataSource: DataSource;
  let user: AuthenticatedUser;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startHealthApp({
      database: await createTestDatabase('postgres'),
      emulator,
      dataSource: 'accounts',
      imports: [appOwnDatabase()],
    });
    appDataSource = app.app.get<DataSource>(getDataSourceToken());
    user = await signInThroughApp(app, emulator);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('stores the signed-in account on the named connection only', async () => {
    expect(app.dataSource.options.type).toBe('postgres');
    const [row] = await storedAccounts(app.dataSource);
    expect(row).toMatchObject({ id: user.account.id, userId: user.userId });
    // autoLoadEntities on the default connection got none of the package's entities.
    expect(appDataSource.hasMetadata(LinkedAccount)).toBe(false);
    expect(await tableNames(appDataSource)).toEqual([]);
  });

  it('hands out and refreshes tokens and calls Jira through the named connection', async () => {
    const tokens = app.app.get(AtlassianTokenService);
    const target = { accountId: user.account.id };
    expect(await tokens.getAccessToken(target)).toMatch(/\S{20,}/);
    const refreshesBefore = emulator.count('token', { grantType: 'refresh_token' });
    await tokens.forceRefresh(target);
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(refreshesBefore + 1);
    const [row] = await storedAccounts(app.dataSource);
    expect(row.refreshLeaseOwner).toBeNull();
    const me = await app.app
      .get(AtlassianApiClient)
      .forUser(user.userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get<{ accountId: string }>('/rest/api/3/myself');
    expect(me.accountId).toBe(user.account.providerAccountId);
  });

  it('reports the health of the named connection', async () => {
    const { status, body } = await app.health();
    expect(status).toBe(200);
    expect(body.info!.atlassian).toMatchObject({
      database: { status: 'up' },
      failingRefreshes: { status: 'up', count: 0 },
      reauthRequired: { status: 'up', count: 0 },
    });
  });
});

describe('forRootAsync with a named DataSource', () => {
  it('injects that connection', async () => {
    const { typeorm } = await createTestDatabase('sqlite');
    const moduleRef = await Test.createTestingModule({
      imports: [
        appOwnDatabase(),
        TypeOrmModule.forRoot({
          name: 'accounts',
          ...typeorm,
          entities: atlassianEntities,
          migrations: atlassianMigrations,
          migrationsRun: true,
        }),
        AtlassianModule.forRootAsync({
          dataSource: 'accounts',
          useFactory: () => ({
            atlassian: {
              clientId: 'id',
              clientSecret: 'secret',
              callbackURL: 'https://app.example.com/auth/atlassian/callback',
            },
            encryptionKeys: [randomBytes(32).toString('base64')],
          }),
        }),
      ],
    }).compile();
    try {
      const accounts = moduleRef.get(getDataSourceToken('accounts'));
      expect(moduleRef.get(ATLASSIAN_DATA_SOURCE, { strict: false })).toBe(accounts);
      expect(moduleRef.get(getDataSourceToken())).not.toBe(accounts);
    } finally {
      await moduleRef.close();
    }
  });
});
