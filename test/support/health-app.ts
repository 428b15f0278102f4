import { Controller, Get, type INestApplication } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import { TypeOrmModule, getDataSourceToken } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { AtlassianHealthIndicator, AtlassianHealthModule } from '../../src/health/index.js';
import {
  AtlassianClock,
  AtlassianModule,
  atlassianEntities,
  atlassianMigrations,
  type AtlassianModuleOptions,
  type EncryptionKeyInput,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import { freePort } from './free-port.js';

/** The `/health` route an app writes, as the terminus docs show it. */
@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly atlassian: AtlassianHealthIndicator,
  ) {}

  @Get()
  @HealthCheck()
  check() {
    return this.health.check([() => this.atlassian.isHealthy()]);
  }
}

/** An app with `/health` over HTTP: TerminusModule, ScheduleModule, AtlassianModule on the emulator. */
export interface HealthApp {
  app: INestApplication;
  dataSource: DataSource;
  /** GET /health: the status and the parsed body. */
  health(): Promise<{ status: number; body: HealthBody }>;
  close(): Promise<void>;
}

/** What terminus answers: `info` holds the indicators that are up, `error` those that are down. */
export interface HealthBody {
  status: 'ok' | 'error';
  info?: Record<string, AtlassianHealth>;
  error?: Record<string, AtlassianHealth>;
}

/** The `atlassian` indicator's result. */
export interface AtlassianHealth {
  status: 'up' | 'down';
  message?: string;
  database: Part;
  scheduler: Part;
  failingRefreshes?: Part;
  reauthRequired?: Part;
}

type Part = { status: 'up' | 'down'; reason?: string } & Record<string, unknown>;

/** Starts the app on a free port; its clock is the emulator's. */
export async function startHealthApp(
  typeorm: { type: 'better-sqlite3'; database: string } | { type: 'postgres'; url: string },
  emulator: AtlassianEmulator,
  encryptionKey: EncryptionKeyInput,
  options: Partial<AtlassianModuleOptions> = {},
): Promise<HealthApp> {
  const port = await freePort();
  const callbackURL = `http://127.0.0.1:${port}/auth/atlassian/callback`;
  emulator.registerClient({
    clientId: 'test-client',
    clientSecret: 'test-secret',
    redirectUris: [callbackURL],
  });
  const moduleRef = await Test.createTestingModule({
    imports: [
      TypeOrmModule.forRoot({
        ...typeorm,
        entities: atlassianEntities,
        migrations: atlassianMigrations,
        migrationsRun: true,
      }),
      ScheduleModule.forRoot(),
      TerminusModule.forRoot({ logger: false }),
      AtlassianModule.forRoot({
        atlassian: {
          clientId: 'test-client',
          clientSecret: 'test-secret',
          callbackURL,
          authBaseURL: emulator.authBaseURL,
          apiBaseURL: emulator.apiBaseURL,
        },
        encryptionKeys: [encryptionKey],
        httpTimeoutMs: 2_000,
        ...options,
      }),
      AtlassianHealthModule,
    ],
    controllers: [HealthController],
  })
    .overrideProvider(AtlassianClock)
    .useValue({ now: () => emulator.clock.now(), sleep: () => Promise.resolve() })
    .compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.listen(port, '127.0.0.1');
  return {
    app,
    dataSource: app.get(getDataSourceToken()),
    async health() {
      const response = await fetch(`http://127.0.0.1:${port}/health`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    },
    close: () => app.close(),
  };
}
