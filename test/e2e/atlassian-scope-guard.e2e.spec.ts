import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { ScopedTestController } from '../fixtures/scoped-test.controller.js';
import { BrowserSession } from '../support/browser-session.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import {
  startTestApp,
  TEST_ADAPTERS,
  TEST_USER_HEADER,
  type TestApp,
} from '../support/test-app.js';

/** `@RequireAtlassianScopes()` and the incremental consent it points to, over real HTTP. */
describe.each(TEST_ADAPTERS)('The Atlassian scope guard (%s, sqlite)', (adapter) => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let userId: string;

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase('sqlite'),
      emulator,
      controllers: [ScopedTestController],
      adapter,
    });
    userId = (await signInThroughApp(app, emulator)).userId;
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  it('answers 403 with the consent URL; after consenting to more scopes, 200', async () => {
    const headers = { [TEST_USER_HEADER]: userId };
    const denied = await fetch(`${app.url}/scoped/write`, { headers });
    expect(denied.status).toBe(403);
    const body = (await denied.json()) as {
      code: string;
      missingScopes: string[];
      consentUrl: string;
    };
    expect(body).toMatchObject({
      code: 'atlassian_scopes_required',
      missingScopes: ['write:jira-work'],
    });
    expect(body.consentUrl).toBe(
      '/auth/atlassian?returnTo=%2Fscoped%2Fwrite&scope=write%3Ajira-work',
    );

    const session = new BrowserSession();
    const login = await session.request(`${app.url}${body.consentUrl}`, { headers });
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.searchParams.get('scope')!.split(' ')).toEqual(
      expect.arrayContaining(['read:jira-work', 'write:jira-work', 'read:me', 'offline_access']),
    );
    const callback = await session.request(await emulator.approve(authorize.toString()), {
      headers,
    });
    expect(callback.status).toBe(200);
    expect(await callback.json()).toMatchObject({
      userId,
      mode: 'link',
      returnTo: '/scoped/write',
    });

    const allowed = await fetch(`${app.url}/scoped/write`, { headers });
    expect(allowed.status).toBe(200);
    expect(await allowed.json()).toEqual({ ok: true });
  });

  it('answers 403 atlassian_account_required to a user without a linked account', async () => {
    const response = await fetch(`${app.url}/scoped/write?tab=1`, {
      headers: { [TEST_USER_HEADER]: 'nobody-linked' },
    });
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({
      code: 'atlassian_account_required',
      consentUrl:
        '/auth/atlassian?returnTo=%2Fscoped%2Fwrite%3Ftab%3D1&scope=read%3Ajira-work+write%3Ajira-work',
    });
  });

  it('answers 403 atlassian_account_required to nobody signed in', async () => {
    const response = await fetch(`${app.url}/scoped/write`);
    expect(response.status).toBe(403);
    expect(await response.json()).toMatchObject({ code: 'atlassian_account_required' });
  });
});
