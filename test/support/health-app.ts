import { Controller, Get } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { AtlassianHealthIndicator, AtlassianHealthModule } from '../../src/health/index.js';
import { startTestApp, type TestApp, type TestAppSetup } from './test-app.js';

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

/** The fixture app with `/health` over HTTP: TerminusModule, the host's ScheduleModule, AtlassianHealthModule. */
export interface HealthApp extends TestApp {
  /** GET /health: the status and the parsed body. */
  health(): Promise<{ status: number; body: HealthBody }>;
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

/** Starts the fixture app of `setup` (see {@link startTestApp}) with the health check and its route added. */
export async function startHealthApp(setup: TestAppSetup): Promise<HealthApp> {
  const app = await startTestApp({
    ...setup,
    imports: [
      ScheduleModule.forRoot(),
      TerminusModule.forRoot({ logger: false }),
      AtlassianHealthModule,
      ...(setup.imports ?? []),
    ],
    controllers: [HealthController, ...(setup.controllers ?? [])],
  });
  return {
    ...app,
    async health() {
      const response = await fetch(`${app.url}/health`);
      return { status: response.status, body: (await response.json()) as HealthBody };
    },
  };
}
