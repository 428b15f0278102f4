import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  AtlassianApiClient,
  AtlassianTokenService,
  TokenRefreshScheduler,
} from '../../src/index.js';
import { openTelemetryApi } from '../../src/telemetry/opentelemetry-api.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const api = vi.hoisted(() => ({ imports: 0 }));

// As in an app without @opentelemetry/api installed (an optional peer): any import of it fails.
vi.mock('@opentelemetry/api', () => {
  api.imports++;
  throw new Error("Cannot find package '@opentelemetry/api'");
});

describe('without @opentelemetry/api (sqlite)', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { refreshScheduler: { enabled: false } },
      now: () => emulator.clock.now(),
      sleep: async () => undefined,
    });
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('signs in, refreshes, calls Jira through a 429 and ticks, having tried the import once', async () => {
    const user = await signInThroughApp(app, emulator);
    emulator.clock.advance(3600_000);
    await app.app.get(AtlassianTokenService).getAccessToken({ accountId: user.account.id });
    emulator.inject({ route: 'jira', status: 429, headers: { 'Retry-After': '1' } });
    const me = await app.app
      .get(AtlassianApiClient)
      .forUser(user.userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get<{ accountId: string }>('/rest/api/3/myself');
    expect(me.accountId).toBe(user.account.providerAccountId);
    expect(await app.app.get(TokenRefreshScheduler).runOnce()).toMatchObject({ failed: 0 });
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(1);
    expect(api.imports).toBe(1);
    expect(openTelemetryApi()).toBeUndefined();
  });
});
