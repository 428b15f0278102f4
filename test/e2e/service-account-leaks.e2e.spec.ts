import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiClient } from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLOUD_IDS } from '../../src/testing/index.js';
import { startCapturingApp } from '../support/capturing-app.js';
import type { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import type { TestApp } from '../support/test-app.js';

const { acme } = DEFAULT_EMULATOR_CLOUD_IDS;
const ROBOT = { clientId: 'robot-client', clientSecret: 'robot-secret-0123456789abcdef' };
const WRONG_SECRET = 'wrong-secret-0123456789abcdef';

describe("a service account's secret and tokens never appear in logs, events or errors", () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let logger: CapturingLogger;
  let events: string[];
  const outputs: string[] = [];
  const tokens = new Set<string>();

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    emulator.registerServiceAccount({ ...ROBOT, scopes: ['read:jira-work'], sites: [acme] });
    ({ app, logger, events } = await startCapturingApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: {
        serviceAccounts: {
          robot: ROBOT,
          mistyped: { clientId: ROBOT.clientId, clientSecret: WRONG_SECRET },
        },
      },
    }));
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  const capture = (call: Promise<unknown>) =>
    call.then(
      (answer) => outputs.push(JSON.stringify(answer)),
      (e: Error) => outputs.push(`${e.message} ${JSON.stringify(e)}`),
    );

  it('calls, renews, is refused and meets a failing endpoint, while capturing every output', async () => {
    const api = app.app.get(AtlassianApiClient);
    const jira = api.forServiceAccount('robot').jira(acme);
    const connection = await jira.connection();
    await capture(jira.get('/rest/api/3/myself'));
    tokens.add(await connection.getToken());
    emulator.clock.advance(61 * 60_000);
    await capture(jira.get('/rest/api/3/myself'));
    tokens.add(await connection.getToken());
    emulator.inject({ route: 'jira', status: 401, body: { message: 'Unauthorized' } });
    await capture(jira.get('/rest/api/3/myself'));
    tokens.add(await connection.getToken());
    await capture(api.forServiceAccount('mistyped').jira(acme).get('/rest/api/3/myself'));
    emulator.clock.advance(61 * 60_000);
    emulator.inject({ route: 'token', status: 503, body: { error: 'temporarily_unavailable' } });
    await capture(jira.get('/rest/api/3/myself'));
    expect(tokens.size).toBe(3);
    expect(outputs.some((output) => output.includes('atlassian_service_account_refused'))).toBe(
      true,
    );
    expect(outputs.some((output) => output.includes('oauth_provider_unavailable'))).toBe(true);
  });

  it('finds neither secret nor any of those tokens in what the app logged, published or answered', () => {
    const everything = [...logger.lines, ...events, ...outputs].join('\n');
    for (const secret of [ROBOT.clientSecret, WRONG_SECRET, ...tokens])
      expect(everything.includes(secret.slice(0, 24))).toBe(false);
  });
});
