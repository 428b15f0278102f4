import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { LinkedAccount, type AuthenticatedUser } from '../../src/index.js';
import { AtlassianEmulator, DEFAULT_EMULATOR_ACCOUNT_ID } from '../../src/testing/index.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  defineCallbackErrorCases,
  defineTokenTimeoutCase,
} from '../support/oauth-callback-error-cases.js';
import {
  ATLASSIAN_UNDER_TEST,
  expectNothingStored,
  expectOAuthError,
  OAuthFlowDriver,
  storedPlainTokens,
  storedRows,
} from '../support/oauth-provider-flow.js';
import { onEachAdapter, startTestApp, type TestApp } from '../support/test-app.js';

/** The app's timeout for provider calls in the slow-provider app: short, so the timeout case is quick. */
const SHORT_TIMEOUT_MS = 250;

describe.each(onEachAdapter(['sqlite', 'postgres'] as const))(
  'Atlassian sign-in errors end to end ($adapter, $kind)',
  ({ adapter, kind }) => {
    let emulator: AtlassianEmulator;
    let database: TestDatabase;
    /** The app under test; passport keeps one strategy per name per process, so one app runs at a time. */
    let app: TestApp;
    /** Every token the app stored so far (decrypted): none may ever appear in an error body. */
    const knownTokens = new Set<string>();
    const driver = new OAuthFlowDriver(
      ATLASSIAN_UNDER_TEST,
      () => app,
      () => emulator,
    );
    const context = { driver, app: () => app, emulator: () => emulator, knownTokens };

    beforeAll(async () => {
      emulator = await AtlassianEmulator.start();
      database = await createTestDatabase(kind);
    });
    afterEach(() => {
      vi.useRealTimers();
      emulator.clearFaults();
      emulator.signInAs(DEFAULT_EMULATOR_ACCOUNT_ID);
    });
    afterAll(async () => {
      await emulator?.stop();
    });

    describe('with the default options', () => {
      beforeAll(async () => {
        app = await startTestApp({ adapter, database, emulator });
        // A known account (Ada, with three sites) that every failed callback must leave untouched.
        await driver.signInOk();
        for (const token of await storedPlainTokens(app)) knownTokens.add(token);
      });
      afterAll(async () => {
        await app?.close();
      });

      // The cases every provider shares (deny, code, state and cookie, provider failures, link mode): see the table.
      defineCallbackErrorCases(context);

      it('answers 502 oauth_profile_fetch_failed when the accessible resources fail, for a new account too', async () => {
        emulator.addUser({
          accountId: 'errors-new-user',
          name: 'Nora New',
          email: 'nora@example.com',
        });
        emulator.signInAs('errors-new-user');
        const before = await storedRows(app);
        const { session, authorizeURL } = await driver.startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        emulator.inject({ route: 'accessible-resources', status: 500 });

        await expectOAuthError(
          await session.request(callbackURL),
          502,
          'oauth_profile_fetch_failed',
          /try again later/i,
          knownTokens,
        );
        expect(emulator.count('accessible-resources', { status: 500 })).toBe(1);
        await expectNothingStored(app, before);
        expect(
          await app.dataSource
            .getRepository(LinkedAccount)
            .countBy({ providerAccountId: 'errors-new-user' }),
        ).toBe(0);
      });

      describe('returnTo', () => {
        it.each([
          ['//evil.com'],
          ['https://evil.com/dashboard'],
          ['/\\evil.com'],
          ['/\t/evil.com'],
          ['/\n/evil.com'],
          ['dashboard'],
        ])('ignores returnTo=%j, which would leave the site', async (returnTo) => {
          const { response } = await driver.signIn(
            new BrowserSession(),
            {},
            { query: `?${new URLSearchParams({ returnTo })}` },
          );
          expect(response.status).toBe(200);
          const user = (await response.json()) as AuthenticatedUser;
          expect(user.returnTo).toBeUndefined();
          expect(user.userId).toBeTypeOf('string');
        });

        it.each([['/dashboard'], ['/dashboard?tab=issues#top']])(
          'hands returnTo=%j back in req.user.returnTo',
          async (returnTo) => {
            const { response } = await driver.signIn(
              new BrowserSession(),
              {},
              { query: `?${new URLSearchParams({ returnTo })}` },
            );
            expect(response.status).toBe(200);
            expect(((await response.json()) as AuthenticatedUser).returnTo).toBe(returnTo);
          },
        );
      });
    });

    describe('with a provider slower than httpTimeoutMs', () => {
      beforeAll(async () => {
        app = await startTestApp({
          adapter,
          database,
          emulator,
          options: { httpTimeoutMs: SHORT_TIMEOUT_MS },
        });
      });
      afterAll(async () => {
        await app?.close();
      });

      defineTokenTimeoutCase(context, SHORT_TIMEOUT_MS);
    });
  },
);
