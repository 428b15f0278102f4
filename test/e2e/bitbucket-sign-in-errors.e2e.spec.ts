import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { AtlassianEmulator, DEFAULT_EMULATOR_ACCOUNT_ID } from '../../src/testing/index.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  defineCallbackErrorCases,
  defineTokenTimeoutCase,
} from '../support/oauth-callback-error-cases.js';
import {
  BITBUCKET_UNDER_TEST,
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
  'Bitbucket sign-in errors end to end ($adapter, $kind)',
  ({ adapter, kind }) => {
    let emulator: AtlassianEmulator;
    let database: TestDatabase;
    /** The app under test; passport keeps one strategy per name per process, so one app runs at a time. */
    let app: TestApp;
    const knownTokens = new Set<string>();
    const driver = new OAuthFlowDriver(
      BITBUCKET_UNDER_TEST,
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
        app = await startTestApp({ adapter, database, emulator, bitbucket: true });
        // A known Bitbucket account (Ada) that every failed callback must leave untouched.
        await driver.signInOk();
        for (const token of await storedPlainTokens(app)) knownTokens.add(token);
      });
      afterAll(async () => {
        await app?.close();
      });

      defineCallbackErrorCases(context);

      it('answers 502 oauth_profile_fetch_failed when /2.0/user/emails fails, for a new account too', async () => {
        emulator.addUser({ accountId: 'bb-errors-emails', name: 'Emil Mails' });
        const before = await storedRows(app);
        const { session, authorizeURL } = await driver.startLogin();
        const callbackURL = await emulator.approve(authorizeURL, { accountId: 'bb-errors-emails' });
        emulator.inject({ route: 'bitbucket-emails', status: 500 });

        await expectOAuthError(
          await session.request(callbackURL),
          502,
          'oauth_profile_fetch_failed',
          /try again later/i,
          knownTokens,
        );
        expect(emulator.count('bitbucket-emails', { status: 500 })).toBe(1);
        await expectNothingStored(app, before);
      });

      it('answers 502 oauth_provider_unavailable when the token endpoint cannot be reached (connection dropped)', async () => {
        const before = await storedRows(app);
        const { session, authorizeURL } = await driver.startLogin();
        const callbackURL = await emulator.approve(authorizeURL);
        emulator.inject({ route: 'bitbucket-token', hangUp: true });

        await expectOAuthError(
          await session.request(callbackURL),
          502,
          'oauth_provider_unavailable',
          /try again later/i,
          knownTokens,
        );
        await expectNothingStored(app, before);
      });
    });

    describe('with a provider slower than httpTimeoutMs', () => {
      beforeAll(async () => {
        app = await startTestApp({
          adapter,
          database,
          emulator,
          options: { httpTimeoutMs: SHORT_TIMEOUT_MS },
          bitbucket: true,
        });
      });
      afterAll(async () => {
        await app?.close();
      });

      defineTokenTimeoutCase(context, SHORT_TIMEOUT_MS);
    });
  },
);
