import type { INestApplication, LoggerService } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
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
import { TestSessionGuard } from '../fixtures/test-session.guard.js';
import type { TestDatabase } from './databases.js';
import { freePort } from './free-port.js';

/** A Nest app listening on loopback, wired to the emulator and a real database. */
export interface TestApp {
  app: INestApplication;
  /** `http://127.0.0.1:${port}`, where the app listens. */
  url: string;
  /** `/auth/atlassian/callback` on `url`, or on `callbackHost` with the same port. */
  callbackURL: string;
  /** `/auth/bitbucket/callback` beside `callbackURL`: registered and configured only with `bitbucket: true`. */
  bitbucketCallbackURL: string;
  dataSource: DataSource;
  encryptionKey: string;
  close(): Promise<void>;
}

type ModuleImports = NonNullable<Parameters<typeof Test.createTestingModule>[0]['imports']>;

export { TEST_USER_HEADER } from '../fixtures/test-session.guard.js';

/** The HTTP platforms the fixture app runs on. */
export const TEST_ADAPTERS = ['express', 'fastify'] as const;
export type TestAdapter = (typeof TEST_ADAPTERS)[number];

/** Each adapter with each of `kinds` (database kinds): what the sign-in suites run on. */
export function onEachAdapter<K extends string>(
  kinds: readonly K[],
): Array<{ adapter: TestAdapter; kind: K }> {
  return TEST_ADAPTERS.flatMap((adapter) => kinds.map((kind) => ({ adapter, kind })));
}

/** The Bitbucket OAuth consumer `startTestApp` registers with the emulator when asked for Bitbucket. */
export const TEST_BITBUCKET_CONSUMER = {
  key: 'test-bitbucket-key',
  secret: 'test-bitbucket-secret',
} as const;

/**
 * The fixture app a test wants: the database and emulator it runs against, and what it changes from
 * the defaults (every field but `database` and `emulator` may be left out).
 */
export interface TestAppSetup {
  database: TestDatabase;
  emulator: AtlassianEmulator;
  /**
   * Module options merged over the fixture's (after them, so `options.bitbucket` replaces the one
   * `bitbucket: true` builds).
   */
  options?: Partial<AtlassianModuleOptions>;
  /** Module options that name the app's own URL (e.g. webhook delivery URLs), merged after `options`. */
  optionsForUrl?: (appUrl: string) => Partial<AtlassianModuleOptions>;
  /**
   * What the app takes as now (e.g. the emulator's movable clock), through {@link AtlassianClock}.
   * Default: the real time.
   */
  now?: () => Date;
  /** What every API retry waits on, through {@link AtlassianClock}. Default: a real timer. */
  sleep?: (ms: number) => Promise<void>;
  /**
   * The Atlassian scopes the app asks for (`atlassian.scope`).
   * Default: `read:jira-work`, `read:jira-user`, `read:confluence-space.summary`.
   */
  atlassianScope?: string[];
  /** Modules the app imports besides TypeORM and the Atlassian module. */
  imports?: ModuleImports;
  /** Controllers besides the fixture's sign-in routes. */
  controllers?: Array<new (...args: never[]) => unknown>;
  /**
   * Configure Bitbucket too: the consumer `TEST_BITBUCKET_CONSUMER` (registered with the emulator, callback
   * `${url}/auth/bitbucket/callback`) and the fixture routes `/auth/bitbucket` and its callback.
   */
  bitbucket?: boolean;
  /** Where the app logs (every level); by default it logs nothing. */
  logger?: LoggerService;
  /**
   * The host the callback URLs name; the app listens on 127.0.0.1 either way. `localhost` makes a dev
   * app registered with `http://localhost:3000/...`, which a browser treats as another site than `url`.
   * Default: 127.0.0.1.
   */
  callbackHost?: string;
  /**
   * The HTTP platform. Fastify's router is told to ignore a trailing slash, as Express's does (the
   * README's Fastify setup). Default: express.
   */
  adapter?: TestAdapter;
  /**
   * Name of the TypeORM connection the fixture opens on `database` and hands to the module
   * (`dataSource`), leaving the default one to the app's `imports`. Default: the default connection.
   */
  dataSource?: string;
  /**
   * Keep each request's exact body bytes in `req.rawBody` (`rawBody: true`, as webhook routes need),
   * with a JSON body limit of this many bytes (Express's default is 100 KB, Fastify's 1 MiB).
   * Default: off.
   */
  rawBodyLimitBytes?: number;
  /** Providers of the module replaced by values (test seams such as `ProfileRefresher`). */
  overrides?: Array<{ provide: unknown; useValue: unknown }>;
}

/** Starts the fixture app of `setup` on a free port. */
export async function startTestApp(setup: TestAppSetup): Promise<TestApp> {
  const { database, emulator, options, now, sleep, imports = [], controllers = [], logger } = setup;
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const callbackOrigin = `http://${setup.callbackHost ?? '127.0.0.1'}:${port}`;
  const callbackURL = `${callbackOrigin}/auth/atlassian/callback`;
  const bitbucketCallbackURL = `${callbackOrigin}/auth/bitbucket/callback`;
  const encryptionKey = randomBytes(32).toString('base64');
  emulator.registerClient({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    redirectUris: [callbackURL],
  });
  if (setup.bitbucket)
    emulator.registerBitbucketConsumer({
      ...TEST_BITBUCKET_CONSUMER,
      callbackURL: bitbucketCallbackURL,
    });
  const bitbucket = setup.bitbucket
    ? {
        clientId: TEST_BITBUCKET_CONSUMER.key,
        clientSecret: TEST_BITBUCKET_CONSUMER.secret,
        callbackURL: bitbucketCallbackURL,
        authBaseURL: emulator.bitbucketAuthBaseURL,
        apiBaseURL: emulator.bitbucketApiBaseURL,
      }
    : undefined;
  const builder = Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...(setup.dataSource && { name: setup.dataSource }),
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
          scope: setup.atlassianScope ?? [
            'read:jira-work',
            'read:jira-user',
            'read:confluence-space.summary',
          ],
        },
        ...(bitbucket && { bitbucket }),
        encryptionKeys: [encryptionKey],
        httpTimeoutMs: 2_000,
        ...options,
        ...setup.optionsForUrl?.(url),
        ...(setup.dataSource && { dataSource: setup.dataSource }),
      }),
      ...imports,
    ],
    controllers: [
      AuthTestController,
      ...(setup.bitbucket ? [BitbucketAuthTestController] : []),
      ...controllers,
    ],
    providers: [{ provide: APP_GUARD, useClass: TestSessionGuard }],
  })
    .overrideProvider(AtlassianClock)
    .useValue(testClock(now, sleep));
  for (const { provide, useValue } of setup.overrides ?? [])
    builder.overrideProvider(provide).useValue(useValue);
  const moduleRef = await builder.compile();
  const rawBody = setup.rawBodyLimitBytes !== undefined;
  const app =
    setup.adapter === 'fastify'
      ? moduleRef.createNestApplication<NestFastifyApplication>(
          new FastifyAdapter({
            routerOptions: { ignoreTrailingSlash: true },
            ...(rawBody && { bodyLimit: setup.rawBodyLimitBytes }),
          }),
          { logger: logger ?? false, rawBody },
        )
      : moduleRef.createNestApplication<NestExpressApplication>({
          logger: logger ?? false,
          rawBody,
        });
  if (rawBody && setup.adapter !== 'fastify')
    (app as NestExpressApplication).useBodyParser('json', { limit: setup.rawBodyLimitBytes });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    url,
    callbackURL,
    bitbucketCallbackURL,
    dataSource: app.get(getDataSourceToken(setup.dataSource)),
    encryptionKey,
    close: () => app.close(),
  };
}

/** The real clock, with `now` and `sleep` replaced where the test gives them. */
function testClock(now?: () => Date, sleep?: (ms: number) => Promise<void>): AtlassianClock {
  const system = new SystemClock();
  return { now: now ?? (() => system.now()), sleep: sleep ?? ((ms) => system.sleep(ms)) };
}
