import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthenticatedUser } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { ScopedTestController } from '../fixtures/scoped-test.controller.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase, type TestDatabase } from '../support/databases.js';
import {
  ATLASSIAN_UNDER_TEST,
  BITBUCKET_UNDER_TEST,
  expectNothingStored,
  expectOAuthError,
  OAuthFlowDriver,
  storedRows,
  withParams,
} from '../support/oauth-provider-flow.js';
import { startTestApp, TEST_ADAPTERS, type TestApp } from '../support/test-app.js';

const PROVIDERS = [ATLASSIAN_UNDER_TEST, BITBUCKET_UNDER_TEST];

/** Query parameter names a hostile link or client plays with: the flow's own, prototype keys, brackets. */
const paramName = fc.oneof(
  fc.constantFrom(
    'returnTo',
    'scope',
    'code',
    'state',
    'error',
    'error_description',
    'error_uri',
    '__proto__',
    'constructor',
    'hasOwnProperty',
    'returnTo[]',
    'scope[x]',
    'utm_source',
  ),
  fc.string({ maxLength: 8 }),
);
const paramValue = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.constantFrom(
    '',
    'x',
    'access_denied',
    '//evil.com',
    '/\t/evil.com',
    '/ok',
    'read:me write:jira-work',
    'manage:jira-configuration',
    '<script>alert(1)</script>',
    '%',
    'x'.repeat(3000),
  ),
);
/** A raw query fragment, sometimes not even well-formed (`%`, `&&`, a name without a value). */
const rawPair = fc.oneof(
  fc
    .tuple(paramName, paramValue)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`),
  fc.constantFrom('%', '&', '==', 'returnTo', 'error', 'code=', 'a=%ZZ', 'state=%00'),
);
/** What makes a GET to a login route one it must refuse: a callback parameter, a repeat, a scope off the list. */
const refusalOnLogin = fc.constantFrom(
  'error=x',
  'error=access_denied&error_description=no',
  'code=abc',
  'state=abc',
  'error_uri=https%3A%2F%2Fevil.com',
  'returnTo=%2Fa&returnTo=%2Fb',
  'scope=a&scope=b',
  'scope=manage%3Ajira-configuration',
  'scope=read%3Ame%20admin',
);
const cookieValue = fc.stringMatching(/^[!#-+\--:<-~]{0,80}$/);
const cookieName = fc.oneof(
  fc.constantFrom(
    'nestjs_atlassian_oauth_atlassian',
    'nestjs_atlassian_oauth_bitbucket',
    'nestjs_atlassian_oauth_atlassian_hop',
    'junk',
  ),
  fc.stringMatching(/^[a-zA-Z0-9_]{1,12}$/),
);
const cookies = fc
  .array(fc.tuple(cookieName, cookieValue), { maxLength: 4 })
  .map((pairs) => pairs.map(([name, value]) => `${name}=${value}`).join('; '));
const method = fc.constantFrom(
  'GET',
  'GET',
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'PATCH',
  'OPTIONS',
);

/** A request to one of the four sign-in routes that no provider redirect could have produced. */
const hostileRequest = fc
  .record({
    provider: fc.constantFrom(...PROVIDERS),
    route: fc.constantFrom('login' as const, 'callback' as const),
    method,
    pairs: fc.array(rawPair, { maxLength: 6 }),
    refusal: refusalOnLogin,
    at: fc.nat(),
    cookie: cookies,
    trailingSlash: fc.boolean(),
  })
  .map(({ provider, route, pairs, refusal, at, trailingSlash, ...rest }) => {
    const query = [...pairs];
    // A login is hostile by construction; any callback is, since no state cookie here is real.
    if (route === 'login') query.splice(at % (query.length + 1), 0, refusal);
    const path = route === 'login' ? provider.loginPath : provider.callbackPath;
    return { ...rest, path: `${path}${trailingSlash ? '/' : ''}?${query.join('&')}` };
  });

/** A login no provider would refuse: odd extra parameters and junk cookies, but nothing of the callback's. */
const benignPair = fc
  .tuple(
    fc.oneof(fc.constantFrom('returnTo', 'utm_source', 'ref'), fc.stringMatching(/^[a-z]{1,6}$/)),
    paramValue,
  )
  .filter(([name]) => !['code', 'state', 'error', 'scope'].includes(name))
  .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(value)}`);
const benignLogin = fc
  .record({
    provider: fc.constantFrom(...PROVIDERS),
    pairs: fc.uniqueArray(benignPair, { maxLength: 4, selector: (pair) => pair.split('=')[0] }),
    cookie: cookies,
  })
  .map(({ provider, pairs, cookie }) => ({
    method: 'GET',
    path: `${provider.loginPath}?${pairs.join('&')}`,
    cookie,
  }));

describe.each(TEST_ADAPTERS)('Hostile requests to the sign-in routes (%s, sqlite)', (adapter) => {
  let emulator: AtlassianEmulator;
  let database: TestDatabase;
  let app: TestApp;
  let before: Awaited<ReturnType<typeof storedRows>>;
  const atlassian = new OAuthFlowDriver(
    ATLASSIAN_UNDER_TEST,
    () => app,
    () => emulator,
  );

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    database = await createTestDatabase('sqlite');
    app = await startTestApp({
      database,
      emulator,
      bitbucket: true,
      controllers: [ScopedTestController],
      adapter,
    });
    // Rows that every refused request must leave exactly as they are.
    await atlassian.signInOk();
    before = await storedRows(app);
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('answers every one with a 4xx and a stable code, sets no state cookie and stores nothing', async () => {
    await fc.assert(
      fc.asyncProperty(hostileRequest, async ({ method, path, cookie }) => {
        const response = await fetch(`${app.url}${path}`, {
          method,
          headers: cookie ? { cookie } : {},
          redirect: 'manual',
        });
        const text = await response.text();
        const seen = { method, path, status: response.status, body: text.slice(0, 300) };
        expect(response.status, JSON.stringify(seen)).toBeGreaterThanOrEqual(400);
        expect(response.status, JSON.stringify(seen)).toBeLessThan(500);
        expect(response.headers.get('location')).toBeNull();
        const stateCookies = response.headers
          .getSetCookie()
          .filter((line) => /^nestjs_atlassian_oauth_\w+=[^;]/.test(line));
        expect(stateCookies, JSON.stringify(seen)).toEqual([]);
        if (method === 'HEAD') {
          // The GET route answers HEAD too; the guard refuses it (HEAD answers carry no body).
          expect(response.status).toBe(405);
        } else if (method === 'GET') {
          const body = JSON.parse(text) as { statusCode: number; code: string; message: string };
          expect(body, JSON.stringify(seen)).toEqual({
            statusCode: response.status,
            code: expect.stringMatching(/^(oauth|account)_[a-z_]+$/),
            message: expect.any(String),
          });
          expect(body.message.length).toBeLessThan(1200);
          expect(body.message).not.toContain('x'.repeat(250));
        } else {
          // The app routes only GET to the guard: Nest's router answers the rest.
          expect(response.status).toBe(404);
          expect(JSON.parse(text)).toMatchObject({ statusCode: 404 });
        }
      }),
      { numRuns: 300 },
    );
    await expectNothingStored(app, before);
  });

  it('redirects logins with odd extra parameters and junk cookies to the provider, storing nothing', async () => {
    await fc.assert(
      fc.asyncProperty(benignLogin, async ({ path, cookie }) => {
        const response = await fetch(`${app.url}${path}`, {
          headers: cookie ? { cookie } : {},
          redirect: 'manual',
        });
        await response.body?.cancel();
        expect(response.status).toBe(302);
        const location = new URL(response.headers.get('location')!);
        expect(location.origin).toBe(new URL(emulator.authBaseURL).origin);
      }),
      { numRuns: 100 },
    );
    await expectNothingStored(app, before);
  });

  describe('the cases that answered 500 or echoed text before', () => {
    it.each(PROVIDERS)(
      'GET $loginPath?error=x answers 400 oauth_invalid_request',
      async (provider) => {
        await expectOAuthError(
          await fetch(`${app.url}${provider.loginPath}?error=x`, { redirect: 'manual' }),
          400,
          'oauth_invalid_request',
          /start the sign-in again/i,
        );
      },
    );

    it('refuses a scope outside the allow-list with 400 oauth_scope_not_allowed, and takes a declared one', async () => {
      const body = await expectOAuthError(
        await fetch(`${app.url}/auth/atlassian?scope=manage%3Ajira-configuration`, {
          redirect: 'manual',
        }),
        400,
        'oauth_scope_not_allowed',
        /RequireAtlassianScopes\(\) or atlassian\.incrementalScopes/,
      );
      expect(body.message).toContain('"manage:jira-configuration"');
      // write:jira-work is named by ScopedTestController's @RequireAtlassianScopes.
      const { authorizeURL } = await atlassian.startLogin(
        new BrowserSession(),
        {},
        '?scope=write%3Ajira-work',
      );
      expect(new URL(authorizeURL).searchParams.get('scope')!.split(' ')).toContain(
        'write:jira-work',
      );
    });

    it('quotes, bounds and labels an error_description instead of echoing it', async () => {
      const description = `evil\r\nSet-Cookie: x=1 ${'y'.repeat(1000)}`;
      const { session, state } = await atlassian.startLogin();
      const body = await expectOAuthError(
        await session.request(
          `${atlassian.callbackURL}?${new URLSearchParams({ error: 'invalid_scope', error_description: description, state })}`,
        ),
        400,
        'oauth_authorization_error',
        /start the sign-in again/i,
      );
      expect(body.message).toContain('unverified: "evil  Set-Cookie: x=1 yyy');
      expect(body.message).not.toContain('y'.repeat(201));
      expect(body.message).not.toMatch(/[\r\n]/);
    });

    it('completes a callback that arrives with a trailing slash', async () => {
      const { session, authorizeURL } = await atlassian.startLogin();
      const callbackURL = new URL(await emulator.approve(authorizeURL));
      callbackURL.pathname += '/';
      const response = await session.request(callbackURL.toString());
      expect(response.status).toBe(200);
      expect(((await response.json()) as AuthenticatedUser).mode).toBe('sign-in');
    });

    it('ignores a returnTo longer than 2048 bytes', async () => {
      const returnTo = `/${'é'.repeat(1024)}`;
      const { response } = await atlassian.signIn(
        new BrowserSession(),
        {},
        { query: `?${new URLSearchParams({ returnTo })}` },
      );
      expect(response.status).toBe(200);
      expect(((await response.json()) as AuthenticatedUser).returnTo).toBeUndefined();
    });
  });
});

describe('Express and Fastify answer the same hostile requests alike (sqlite)', () => {
  /** What a client sees of an answer, with the app's origin (its port differs per run) left out. */
  async function answerTo(
    app: TestApp,
    { method, path, cookie }: { method: string; path: string; cookie: string },
  ) {
    const response = await fetch(`${app.url}${path}`, {
      method,
      headers: cookie ? { cookie } : {},
      redirect: 'manual',
    });
    const anyOrigin = (text: string | null) =>
      text?.replaceAll(app.url, '<app>').replaceAll(encodeURIComponent(app.url), '<app>') ?? null;
    const location = response.headers.get('location');
    return {
      request: `${method} ${path}`,
      status: response.status,
      contentType: response.headers.get('content-type'),
      // The state, the PKCE challenge and the cookie that carries them are random at each login.
      location: anyOrigin(
        location &&
          withParams(location, (params) => {
            for (const name of ['state', 'code_challenge'])
              if (params.has(name)) params.set(name, '<random>');
          }),
      ),
      setCookie: response.headers
        .getSetCookie()
        .map((line) => line.replace(/^(nestjs_atlassian_oauth_[a-z]+)=[^;]+/, '$1=<random>')),
      body: anyOrigin(await response.text()),
    };
  }

  it('gives each the same status, body, Location and Set-Cookie on both adapters, the 404 of other methods included', async () => {
    const requests = fc.sample(fc.oneof(hostileRequest, benignLogin), 200);
    const answers: Record<string, unknown[]> = {};
    const emulator = await AtlassianEmulator.start();
    try {
      for (const adapter of TEST_ADAPTERS) {
        // One app at a time: passport keeps one strategy per name per process.
        const app = await startTestApp({
          database: await createTestDatabase('sqlite'),
          emulator,
          bitbucket: true,
          controllers: [ScopedTestController],
          adapter,
        });
        try {
          answers[adapter] = [];
          for (const request of requests) answers[adapter].push(await answerTo(app, request));
        } finally {
          await app.close();
        }
      }
    } finally {
      await emulator.stop();
    }
    expect(answers.fastify).toEqual(answers.express);
  });
});
