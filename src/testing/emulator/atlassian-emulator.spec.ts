import { afterEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from './atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from './emulator-defaults.js';

describe('AtlassianEmulator', () => {
  let emulator: AtlassianEmulator | undefined;
  afterEach(() => emulator?.stop());
  const meOf = async (accessToken: string) => {
    const response = await fetch(`${emulator?.url}/me`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    return (await response.json()) as { account_id: string };
  };

  it('listens on 127.0.0.1 and exposes one base URL for both hosts', async () => {
    emulator = await AtlassianEmulator.start();
    expect(emulator.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(emulator.authBaseURL).toBe(emulator.url);
    expect(emulator.apiBaseURL).toBe(emulator.url);
  });

  it('validates options, naming the key', async () => {
    await expect(AtlassianEmulator.start({ port: -1 })).rejects.toThrow(/port/);
    await expect(AtlassianEmulator.start({ accessTokenTtlSeconds: Number.NaN })).rejects.toThrow(
      /accessTokenTtlSeconds/,
    );
    await expect(AtlassianEmulator.start({ clients: [] })).rejects.toThrow(/clients/);
  });

  it('starts its clock at `now` and moves it only when told', async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-03-01T00:00:00Z') });
    expect(emulator.clock.now().toISOString()).toBe('2026-03-01T00:00:00.000Z');
    emulator.clock.advance(1500);
    expect(emulator.clock.now().toISOString()).toBe('2026-03-01T00:00:01.500Z');
    emulator.clock.set(new Date('2027-01-01T00:00:00Z'));
    expect(emulator.clock.now().toISOString()).toBe('2027-01-01T00:00:00.000Z');
  });

  it('with realTimeClock, also moves with real time', async () => {
    emulator = await AtlassianEmulator.start({
      now: new Date('2026-03-01T00:00:00Z'),
      realTimeClock: true,
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(emulator.clock.now().getTime()).toBeGreaterThan(Date.parse('2026-03-01T00:00:00Z'));
  });

  it('is exported by the testing entry point', async () => {
    const testing = await import('../index.js');
    expect(testing.AtlassianEmulator).toBe(AtlassianEmulator);
  });

  it('records every call with the emulator time, and forgets them on resetCalls()', async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-03-01T00:00:00Z') });
    await fetch(`${emulator.url}/nowhere?x=1`);
    const wrongMethod = await fetch(`${emulator.url}/oauth/token`);
    expect(wrongMethod.status).toBe(405);
    expect(emulator.calls).toEqual([
      {
        at: new Date('2026-03-01T00:00:00Z'),
        method: 'GET',
        path: '/nowhere',
        route: 'other',
        status: 404,
      },
      {
        at: new Date('2026-03-01T00:00:00Z'),
        method: 'GET',
        path: '/oauth/token',
        route: 'token',
        status: 405,
      },
    ]);
    expect(emulator.count('other', { at: new Date('2026-03-01T00:00:00Z') })).toBe(1);
    emulator.resetCalls();
    expect(emulator.calls).toEqual([]);
  });

  it('adds users and signs in as them for consent', async () => {
    emulator = await AtlassianEmulator.start({
      clients: [{ clientId: 'app', clientSecret: 'secret', redirectUris: ['http://localhost/cb'] }],
      autoApprove: true,
    });
    const grace = emulator.addUser({ accountId: 'grace', name: 'Grace Hopper' });
    expect(grace).toMatchObject({ accountId: 'grace', email: 'grace@example.com', sites: [] });
    emulator.signInAs('grace');
    const query = new URLSearchParams({
      audience: 'api.atlassian.com',
      client_id: 'app',
      scope: 'read:me',
      redirect_uri: 'http://localhost/cb',
      state: 's',
      response_type: 'code',
    });
    const code =
      new URL(await emulator.approve(`${emulator.url}/authorize?${query}`)).searchParams.get(
        'code',
      ) ?? '';
    const tokens = (await (
      await fetch(`${emulator.url}/oauth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'authorization_code',
          client_id: 'app',
          client_secret: 'secret',
          code,
          redirect_uri: 'http://localhost/cb',
        }),
      })
    ).json()) as { access_token: string };
    const me = await meOf(tokens.access_token);
    expect(me.account_id).toBe('grace');
    expect(() => emulator?.signInAs('nobody')).toThrow(/nobody/);
  });

  it('approve({ accountId }) consents as another user', async () => {
    emulator = await AtlassianEmulator.start({
      clients: [{ clientId: 'app', clientSecret: 'secret', redirectUris: ['http://localhost/cb'] }],
    });
    emulator.addUser({ accountId: 'grace', name: 'Grace Hopper' });
    const query = new URLSearchParams({
      audience: 'api.atlassian.com',
      client_id: 'app',
      scope: 'read:me',
      redirect_uri: 'http://localhost/cb',
      state: 's',
      response_type: 'code',
    });
    const location = await emulator.approve(`${emulator.url}/authorize?${query}`, {
      accountId: 'grace',
    });
    const code = new URL(location).searchParams.get('code') ?? '';
    const tokens = (await (
      await fetch(`${emulator.url}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'authorization_code',
          client_id: 'app',
          client_secret: 'secret',
          code,
          redirect_uri: 'http://localhost/cb',
        }),
      })
    ).json()) as { access_token: string };
    expect(emulator.isAccessTokenValid(tokens.access_token)).toBe(true);
    const me = await meOf(tokens.access_token);
    expect(me.account_id).toBe('grace');
    await expect(
      emulator.approve(`${emulator.url}/authorize?${query}`, { accountId: 'nobody' }),
    ).rejects.toThrow(/account_id/);
  });

  it('refuses bodies over 1 MiB with 413 and keeps serving', async () => {
    emulator = await AtlassianEmulator.start();
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=${'x'.repeat(2 * 1024 * 1024)}`,
    });
    expect(response.status).toBe(413);
    expect((await fetch(`${emulator.url}/me`)).status).toBe(401);
  });

  it('has a default client and user', async () => {
    emulator = await AtlassianEmulator.start();
    const tokens = emulator.issueTokens({ scopes: ['read:me'] });
    expect(tokens).not.toHaveProperty('refresh_token');
    expect(() => emulator?.revokeGrant('nobody')).toThrow(/nobody/);
    emulator.revokeGrant(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(emulator.isAccessTokenValid(tokens.access_token)).toBe(false);
  });

  it('can run two emulators side by side and stop twice', async () => {
    emulator = await AtlassianEmulator.start();
    const other = await AtlassianEmulator.start();
    expect(other.url).not.toBe(emulator.url);
    await other.stop();
    await other.stop();
  });
});
