import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiClient, AtlassianTokenService, TokenCipher } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { startCapturingApp } from '../support/capturing-app.js';
import type { CapturingLogger } from '../support/capturing-logger.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { plainTokens, storedAccounts } from '../support/stored-accounts.js';
import type { TestApp } from '../support/test-app.js';

describe('tokens never appear in logs, events, errors or req.user', () => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let logger: CapturingLogger;
  let events: string[];
  const outputs: string[] = [];
  const seenTokens = new Set<string>();

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    ({ app, logger, events } = await startCapturingApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      options: { tokens: { cacheTtlMs: 0, storeBudgetMs: 0 } },
    }));
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  async function remember(): Promise<void> {
    const cipher = app.app.get(TokenCipher);
    for (const row of await storedAccounts(app.dataSource)) {
      const { accessToken, refreshToken } = plainTokens(cipher, row);
      if (accessToken) seenTokens.add(accessToken);
      if (refreshToken) seenTokens.add(refreshToken);
    }
  }

  it('runs sign-in, refreshes, failures and API errors while capturing every output', async () => {
    const user = await signInThroughApp(app, emulator);
    outputs.push(JSON.stringify(user));
    await remember();
    const tokens = app.app.get(AtlassianTokenService);
    const api = app.app.get(AtlassianApiClient);
    const accountId = user.account.id;

    emulator.clock.advance(3600_000);
    seenTokens.add(await tokens.getAccessToken({ accountId }));
    await remember();

    emulator.clock.advance(3600_000);
    emulator.inject({ route: 'token', status: 503, body: { error: 'temporarily_unavailable' } });
    outputs.push(
      String(
        await tokens
          .getAccessToken({ accountId })
          .catch((e: Error) => `${e.message} ${JSON.stringify(e)}`),
      ),
    );

    emulator.inject({ route: 'jira', status: 500, body: { message: 'boom' }, times: 5 });
    outputs.push(
      String(
        await api
          .forAccount(accountId)
          .jira(user.sites[0].cloudId)
          .get('/rest/api/3/myself')
          .catch((e: Error) => `${e.message} ${JSON.stringify(e)}`),
      ),
    );

    emulator.clock.advance(24 * 3600_000);
    emulator.revokeGrant(user.account.providerAccountId);
    outputs.push(
      String(
        await tokens
          .getAccessToken({ accountId })
          .catch((e: Error) => `${e.message} ${JSON.stringify(e)}`),
      ),
    );
    await remember();
    expect(seenTokens.size).toBeGreaterThanOrEqual(4);
    expect(events.length).toBeGreaterThan(0);
    expect(logger.lines.length).toBeGreaterThan(0);
  });

  it('finds none of those tokens in what the app logged, published or answered', () => {
    const everything = [...logger.lines, ...events, ...outputs].join('\n');
    for (const token of seenTokens) {
      // A long prefix is enough to tell, and catches a token cut short in a message too.
      expect(everything.includes(token.slice(0, 40))).toBe(false);
    }
  });
});
