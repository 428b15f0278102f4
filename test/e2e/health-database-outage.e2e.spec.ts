import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import {
  startDedicatedPostgresServer,
  type DedicatedPostgresServer,
} from '../support/dedicated-postgres-server.js';
import { startHealthApp, type HealthApp } from '../support/health-app.js';

describe('AtlassianHealthIndicator when PostgreSQL stops', () => {
  let server: DedicatedPostgresServer;
  let emulator: AtlassianEmulator;
  let health: HealthApp;

  beforeAll(async () => {
    server = await startDedicatedPostgresServer();
    emulator = await AtlassianEmulator.start();
    const url = await server.createDatabase('health');
    health = await startHealthApp({
      database: { kind: 'postgres', location: url, typeorm: { type: 'postgres', url } },
      emulator,
      now: () => emulator.clock.now(),
      sleep: async () => undefined,
    });
  });
  afterAll(async () => {
    await health?.close();
    await emulator?.stop();
    await server?.destroy();
  });

  it('is down while the server is stopped, naming the database, and up once it is back', async () => {
    expect((await health.health()).status).toBe(200);

    await server.stop();
    const { status, body } = await health.health();

    expect(status).toBe(503);
    const down = body.error!.atlassian;
    expect(down.database).toMatchObject({ status: 'down' });
    expect(down.message).toMatch(
      /^The database did not answer \(.*ECONNREFUSED.*\): tokens can be neither read nor refreshed\. Check that it runs/,
    );
    // Nothing is counted without a database; the scheduler is judged on its own.
    expect(down).not.toHaveProperty('failingRefreshes');
    expect(down.scheduler).toMatchObject({ status: 'up', state: 'scheduled' });

    await server.start();
    const back = await health.health();
    expect(back.status).toBe(200);
    expect(back.body.info!.atlassian.database).toMatchObject({ status: 'up' });
  });
});
