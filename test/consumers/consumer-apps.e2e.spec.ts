import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticatedUser, RefreshSweepResult } from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import { freePort } from '../support/free-port.js';
import { openAccountsDatabase } from '../support/seed-accounts.js';
import { storedAccount } from '../support/stored-accounts.js';
import { commonJsNest11App, esModuleNest12App } from './consumer-apps.js';
import {
  buildConsumerProject,
  npmCacheDir,
  packPackage,
  type ConsumerProject,
  type PackedPackage,
} from './consumer-project.js';
import { checkDeclarations } from './declaration-check.js';
import { importedPackages } from './imported-packages.js';
import { startConsumer, type RunningConsumer } from './running-consumer.js';
import { repositoryBetterSqlite3Version } from './sqlite-prebuild.js';

type TestingEntry = typeof import('../../src/testing/index.js');

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
const CLIENT = { clientId: 'consumer-client', clientSecret: 'consumer-secret' };
const CONSUMERS = [commonJsNest11App(repositoryBetterSqlite3Version()), esModuleNest12App()];

/**
 * The package as users get it: `npm pack` (its prepack builds lib/), then two apps made in temporary
 * folders that install the tarball and their Nest and TypeORM lines from the registry, compile, and
 * run as their own processes against the emulator of the tarball's `nestjs-atlassian/testing`.
 * Both apps install at once, from the npm cache this repository's install filled.
 */
let packDir: string;
let packed: Promise<PackedPackage>;
const projects = new Map<string, Promise<ConsumerProject>>();

beforeAll(async () => {
  packDir = mkdtempSync(join(tmpdir(), 'nestjs-atlassian-pack-'));
  const npmCache = await npmCacheDir();
  packed = packPackage(packDir, npmCache);
  for (const app of CONSUMERS) {
    const project = packed.then(({ tarball }) => buildConsumerProject(app, tarball, npmCache));
    // Each describe awaits its own and reports its failure there.
    project.catch(() => undefined);
    projects.set(app.name, project);
  }
}, MINUTE_MS);

afterAll(async () => {
  for (const project of projects.values()) (await project.catch(() => undefined))?.remove();
  rmSync(packDir, { recursive: true, force: true });
});

describe('the packed tarball', () => {
  let files: string[];

  beforeAll(async () => {
    ({ files } = await packed);
  }, 10 * MINUTE_MS);

  it('holds the built entry points, the LICENSE and README, and no sources, specs, maps or demo', () => {
    for (const entry of ['lib/index', 'lib/testing/index', 'lib/health/index'])
      expect(files).toEqual(expect.arrayContaining([`${entry}.js`, `${entry}.d.ts`]));
    expect(files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
    const unexpected = files.filter(
      (file) =>
        !/^lib\/.+\.(js|d\.ts)$/.test(file) &&
        !['LICENSE', 'README.md', 'package.json'].includes(file),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((file) => /\.spec\.|^lib\/(test|example|bench)\//.test(file))).toEqual([]);
  });

  it(
    'declares every package its code imports',
    async () => {
      const project = await projects.get(CONSUMERS[0].name)!;
      const installed = join(project.dir, 'node_modules/nestjs-atlassian');
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8'));
      const declared = new Set(
        Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }),
      );
      const imported = importedPackages(join(installed, 'lib'));
      expect(imported).toContain('@nestjs/common');
      expect(imported.filter((name) => !declared.has(name))).toEqual([]);
    },
    10 * MINUTE_MS,
  );
});

describe.each(CONSUMERS)('consumer app $name', (app) => {
  let project: ConsumerProject;

  beforeAll(async () => {
    project = await projects.get(app.name)!;
  }, 15 * MINUTE_MS);

  it('runs on the lines it names', () => {
    for (const [name, major] of Object.entries(app.expectedMajors))
      expect(project.installedVersion(name).split('.')[0], name).toBe(major);
    const compiled = readFileSync(join(project.dir, 'dist/app.module.js'), 'utf8');
    // The CommonJS app loads this ES module package with require(): Node 20.19+ does that.
    if (app.moduleType === 'commonjs') expect(compiled).toContain('require("nestjs-atlassian")');
    else expect(compiled).toMatch(/^import .* from 'nestjs-atlassian';$/m);
  });

  it(
    'type-checks against every entry point without express types or jira.js installed',
    async () => {
      for (const absent of ['@types/express', 'jira.js', 'confluence.js'])
        expect(existsSync(join(project.dir, 'node_modules', absent)), absent).toBe(false);
      const check = await checkDeclarations(project);
      expect(check.errors).toEqual([]);
      expect(check.untypedImports).toEqual([]);
    },
    5 * MINUTE_MS,
  );
});

const RUNS = CONSUMERS.flatMap((app) => app.databases.map((database) => ({ app, database })));

describe.each(RUNS)('consumer app $app.name on $database', ({ app, database }) => {
  let project: ConsumerProject;
  let testing: TestingEntry;
  let emulator: AtlassianEmulator;
  let running: RunningConsumer;
  let user: AuthenticatedUser;
  let connection: TestDatabase['typeorm'];

  beforeAll(async () => {
    project = await projects.get(app.name)!;
    testing = await project.importFromApp<TestingEntry>('nestjs-atlassian/testing');
    emulator = await testing.AtlassianEmulator.start({ autoApprove: true });
    const port = await freePort();
    emulator.registerClient({
      ...CLIENT,
      redirectUris: [`http://127.0.0.1:${port}/auth/atlassian/callback`],
    });
    const sqlitePath = join(project.dir, 'accounts.sqlite');
    connection =
      database === 'postgres'
        ? (await createTestDatabase('postgres')).typeorm
        : { type: 'better-sqlite3', database: sqlitePath };
    const storage: Record<string, string> =
      connection.type === 'postgres'
        ? { DATABASE_URL: connection.url }
        : { SQLITE_PATH: connection.database };
    running = await startConsumer(project.dir, port, {
      EMULATOR_URL: emulator.url,
      ATLASSIAN_CLIENT_ID: CLIENT.clientId,
      ATLASSIAN_CLIENT_SECRET: CLIENT.clientSecret,
      TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
      ...storage,
    });
  }, 15 * MINUTE_MS);

  afterAll(async () => {
    await running?.stop();
    await emulator?.stop();
  });

  const get = (path: string, init?: RequestInit) => fetch(`${running.url}${path}`, init);

  it('boots, migrates and reports healthy', async () => {
    const response = await get('/health');
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({
      info: { atlassian: { status: 'up', database: { status: 'up' } } },
    });
  });

  it('signs a user in over HTTP, following redirects and cookies through the emulator', async () => {
    const session = new BrowserSession();
    const { response, url } = await session.follow(`${running.url}/auth/atlassian`);
    expect(new URL(url).pathname).toBe('/auth/atlassian/callback');
    expect(response.status).toBe(200);
    user = (await response.json()) as AuthenticatedUser;
    expect(user).toMatchObject({
      provider: 'atlassian',
      mode: 'sign-in',
      isNewAccount: true,
      account: { providerAccountId: testing.DEFAULT_EMULATOR_ACCOUNT_ID, status: 'active' },
    });
    expect(user.sites.map((site) => site.cloudId).sort()).toEqual(
      Object.values(testing.DEFAULT_EMULATOR_CLOUD_IDS).sort(),
    );
  });

  it('hands out a token and calls Jira with it', async () => {
    const token = await get(`/api/token?userId=${user.userId}`);
    expect(token.status).toBe(200);
    expect(await token.json()).toEqual({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    const cloudId = testing.DEFAULT_EMULATOR_CLOUD_IDS.globex;
    const myself = await get(`/api/jira/myself?userId=${user.userId}&cloudId=${cloudId}`);
    expect(myself.status).toBe(200);
    expect(await myself.json()).toMatchObject({ accountId: testing.DEFAULT_EMULATOR_ACCOUNT_ID });
  });

  it('refreshes on its schedule and after a 401, each rotation once, and says so in events', async () => {
    const refreshes = () => emulator.count('token', { grantType: 'refresh_token', status: 200 });
    expect(refreshes()).toBe(0);
    const sweep = await get('/api/refresh-sweep', { method: 'POST' });
    expect(sweep.status).toBe(201);
    expect((await sweep.json()) as RefreshSweepResult).toMatchObject({ refreshed: 1, failed: 0 });
    expect(refreshes()).toBe(1);
    // Past the token's hour on the emulator only: the app learns it from a 401 and refreshes once.
    emulator.clock.advance(2 * HOUR_MS);
    const cloudId = testing.DEFAULT_EMULATOR_CLOUD_IDS.acme;
    const myself = await get(`/api/jira/myself?userId=${user.userId}&cloudId=${cloudId}`);
    expect(myself.status).toBe(200);
    expect(refreshes()).toBe(2);
    expect(emulator.refreshTokenReplays()).toBe(0);
    // Both published on the app's EventEmitter2 (event-emitter 3 on Nest 11, 12 on Nest 12).
    const events = await get('/api/refresh-events');
    expect(await events.json()).toEqual({
      refreshedAccountIds: [user.account.id, user.account.id],
    });
  });

  it('refuses a tampered state with 400 oauth_state_mismatch', async () => {
    const session = new BrowserSession();
    const { url: callback } = await session.follow(
      `${running.url}/auth/atlassian`,
      (next) => next.pathname === '/auth/atlassian/callback',
    );
    const tampered = new URL(callback);
    tampered.searchParams.set('state', `${tampered.searchParams.get('state')}x`);
    const response = await session.request(tampered.toString());
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'oauth_state_mismatch' });
  });

  // Last: it stops the app. Uses are written in the background and at shutdown, where a failure is
  // only a warning in the log; on TypeORM 0.3 every write of them failed so, unseen.
  it('stops on SIGTERM after writing the uses it noted', async () => {
    await running.stop();
    expect(running.output()).not.toMatch(/Could not record the use/);
    const dataSource = await openAccountsDatabase(connection);
    try {
      expect((await storedAccount(dataSource, user.account.id)).lastUsedAt).toBeInstanceOf(Date);
    } finally {
      await dataSource.destroy();
    }
  });
});
