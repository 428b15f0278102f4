import type { INestApplication, LoggerService } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { getDataSourceToken } from '@nestjs/typeorm';
import {
  AtlassianClock,
  AtlassianModule,
  SystemClock,
  atlassianEntities,
  atlassianMigrations,
  type AtlassianModuleOptions,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { AuthTestController } from '../fixtures/auth-test.controller.js';
import { BitbucketAuthTestController } from '../fixtures/bitbucket-auth-test.controller.js';
import type { TestDatabase } from './databases.js';
import { freePort } from './free-port.js';

/** A Nest app listening on loopback, wired to the emulator and a real database. */
export interface TestApp {
  app: INestApplication;
  url: string;
  callbackURL: string;
  /** `${url}/auth/bitbucket/callback`: registered with the emulator and configured only with `extra.bitbucket`. */
  bitbucketCallbackURL: string;
  dataSource: DataSource;
  encryptionKey: string;
  close(): Promise<void>;
}

type ModuleImports = NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>;

/** Header a test sends to act as a signed-in app user (the fixture's stand-in for the app's own session). */
export const TEST_USER_HEADER = 'x-test-user';

/** The Bitbucket OAuth consumer `startTestApp` registers with the emulator when asked for Bitbucket. */
export const TEST_BITBUCKET_CONSUMER = {
  key: 'test-bitbucket-key',
  secret: 'test-bitbucket-secret',
} as const;

/** What `startTestApp` adds on top of the Atlassian fixture app. */
export interface TestAppExtras {
  imports?: ModuleImports;
  controllers?: Array<new (...args: never[]) => unknown>;
  /**
   * Configure Bitbucket too: the consumer `TEST_BITBUCKET_CONSUMER` (registered with the emulator, callback
   * `${url}/auth/bitbucket/callback`) and the fixture routes `/auth/bitbucket` and its callback.
   */
  bitbucket?: boolean;
  /** Where the app logs (every level); by default it logs nothing. */
  logger?: LoggerService;
}

/** Module options to merge, plus the test clock: `now` and `sleep` replace the app's {@link AtlassianClock}. */
export type TestAppOverrides = Partial<AtlassianModuleOptions> & {
  /** What the app takes as now (e.g. the emulator's movable clock). Default: the real time. */
  now?: () => Date;
  /** What every API retry waits on. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
};

/**
 * Starts the fixture app on a free port; `overrides` are merged into the module options (after the
 * defaults, so `overrides.bitbucket` replaces the one `extra.bitbucket` builds).
 */
export async function startTestApp(
  database: TestDatabase,
  emulator: AtlassianEmulator,
  { now, sleep, ...overrides }: TestAppOverrides = {},
  extra: TestAppExtras = {},
): Promise<TestApp> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const callbackURL = `${url}/auth/atlassian/callback`;
  const bitbucketCallbackURL = `${url}/auth/bitbucket/callback`;
  const encryptionKey = randomBytes(32).toString('base64');
  emulator.registerClient({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    redirectUris: [callbackURL],
  });
  if (extra.bitbucket)
    emulator.registerBitbucketConsumer({
      ...TEST_BITBUCKET_CONSUMER,
      callbackURL: bitbucketCallbackURL,
    });
  const bitbucket = extra.bitbucket
    ? {
        clientId: TEST_BITBUCKET_CONSUMER.key,
        clientSecret: TEST_BITBUCKET_CONSUMER.secret,
        callbackURL: bitbucketCallbackURL,
        authBaseURL: emulator.bitbucketAuthBaseURL,
        apiBaseURL: emulator.bitbucketApiBaseURL,
      }
    : undefined;
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...database.typeorm,
        entities: atlassianEntities,
        migrations: atlassianMigrations,
        migrationsRun: true,
      }),
      AtlassianModule.forRoot({
        atlassian: {
          clientId: 'test-client',
          clientSecret: 'test-secret',
          callbackURL,
          authBaseURL: emulator.authBaseURL,
          apiBaseURL: emulator.apiBaseURL,
          scope: ['read:jira-work', 'read:jira-user', 'read:confluence-space.summary'],
        },
        ...(bitbucket && { bitbucket }),
        encryptionKeys: [encryptionKey],
        httpTimeoutMs: 2_000,
        ...overrides,
      }),
      ...(extra.imports ?? []),
    ],
    controllers: [
      AuthTestController,
      ...(extra.bitbucket ? [BitbucketAuthTestController] : []),
      ...(extra.controllers ?? []),
    ],
  })
    .overrideProvider(AtlassianClock)
    .useValue(testClock(now, sleep))
    .compile();
  const app = moduleRef.createNestApplication({ logger: extra.logger ?? false });
  app.use(
    (
      req: { headers: Record<string, unknown>; user?: unknown },
      _res: unknown,
      next: () => void,
    ) => {
      const userId = req.headers[TEST_USER_HEADER];
      if (typeof userId === 'string') req.user = { userId };
      next();
    },
  );
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url,
    callbackURL,
    bitbucketCallbackURL,
    dataSource: app.get(getDataSourceToken()),
    encryptionKey,
    close: () => app.close(),
  };
}

/** The real clock, with `now` and `sleep` replaced where the test gives them. */
function testClock(now?: () => Date, sleep?: (ms: number) => Promise<void>): AtlassianClock {
  const system = new SystemClock();
  return { now: now ?? (() => system.now()), sleep: sleep ?? ((ms) => system.sleep(ms)) };
}
