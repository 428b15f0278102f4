import { afterEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import type { EmulatorRoute } from '../server/emulator-call-log.js';

const BASIC = `Basic ${Buffer.from('emulator-bitbucket-key:emulator-bitbucket-secret').toString('base64')}`;

describe('AtlassianEmulator, Bitbucket side', () => {
  let emulator: AtlassianEmulator | undefined;
  afterEach(() => emulator?.stop());

  it('serves Bitbucket on the same server', async () => {
    emulator = await AtlassianEmulator.start();
    expect(emulator.bitbucketAuthBaseURL).toBe(emulator.url);
    expect(emulator.bitbucketApiBaseURL).toBe(emulator.url);
  });

  it('validates the Bitbucket options, naming the key', async () => {
    await expect(AtlassianEmulator.start({ bitbucketAccessTokenTtlSeconds: -1 })).rejects.toThrow(
      /bitbucketAccessTokenTtlSeconds/,
    );
    await expect(
      AtlassianEmulator.start({ bitbucketInactivityExpirySeconds: Number.NaN }),
    ).rejects.toThrow(/bitbucketInactivityExpirySeconds/);
    await expect(AtlassianEmulator.start({ bitbucketConsumers: [] })).rejects.toThrow(
      /bitbucketConsumers/,
    );
    await expect(
      AtlassianEmulator.start({ bitbucketScopeField: 'scops' as 'scope' }),
    ).rejects.toThrow(/bitbucketScopeField/);
    await expect(
      AtlassianEmulator.start({
        bitbucketConsumers: [{ key: 'k', secret: 's', callbackURL: '/relative' }],
      }),
    ).rejects.toThrow(/callbackURL/);
  });

  it('gives every user a Bitbucket identity with the same account id, overridable per field', async () => {
    emulator = await AtlassianEmulator.start();
    const grace = emulator.addUser({
      accountId: '712020:grace',
      name: 'Grace Hopper',
      email: 'grace@example.com',
    });
    expect(grace.bitbucket).toMatchObject({
      username: 'grace-hopper',
      nickname: 'Grace',
      emails: [
        { email: 'grace@example.com', is_primary: true, is_confirmed: true },
        { email: 'grace-hopper.alt@example.com', is_primary: false, is_confirmed: false },
      ],
      workspaces: [
        {
          slug: 'grace-hopper',
          repositories: [
            { slug: 'website', is_private: false },
            { slug: 'notes', is_private: true },
          ],
        },
      ],
    });
    expect(
      emulator.addUser({ accountId: '712020:grace', name: 'Grace Hopper' }).bitbucket.uuid,
    ).toBe(grace.bitbucket.uuid);
    const custom = emulator.addUser({
      accountId: 'c',
      name: 'C',
      bitbucket: { username: 'cee', workspaces: [] },
    });
    expect(custom.bitbucket).toMatchObject({ username: 'cee', workspaces: [] });
    expect(custom.bitbucket.uuid).not.toBe(grace.bitbucket.uuid);
  });

  it('issueBitbucketTokens defaults to the signed-in user and first consumer, and names what is missing', async () => {
    emulator = await AtlassianEmulator.start();
    const tokens = emulator.issueBitbucketTokens();
    expect(tokens).toMatchObject({
      scope: 'account email repository',
      token_type: 'bearer',
      state: 'authorization_code',
    });
    expect(emulator.bitbucketRefreshTokenUses(tokens.refresh_token)).toBe(0);
    expect(() => emulator?.issueBitbucketTokens({ consumerKey: 'nope' })).toThrow(/consumer/);
    expect(() => emulator?.issueBitbucketTokens({ accountId: 'nobody' })).toThrow(/nobody/);
  });

  it.each<[EmulatorRoute, string, RequestInit]>([
    [
      'bitbucket-authorize',
      '/site/oauth2/authorize?client_id=emulator-bitbucket-key&response_type=code',
      {},
    ],
    [
      'bitbucket-token',
      '/site/oauth2/access_token',
      { method: 'POST', headers: { authorization: BASIC }, body: 'grant_type=x' },
    ],
    ['bitbucket-user', '/2.0/user', {}],
    ['bitbucket-emails', '/2.0/user/emails', {}],
    ['bitbucket-repositories', '/2.0/repositories/ada-lovelace', {}],
  ])('inject, setLatency and count work on %s', async (route, path, init) => {
    emulator = await AtlassianEmulator.start();
    emulator.inject({
      route,
      status: 429,
      headers: { 'Retry-After': '7' },
      body: { type: 'error', error: { message: 'Rate limit' } },
    });
    const limited = await fetch(`${emulator.url}${path}`, { ...init, redirect: 'manual' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(await limited.json()).toEqual({ type: 'error', error: { message: 'Rate limit' } });
    emulator.setLatency(route, 50);
    const started = performance.now();
    const normal = await fetch(`${emulator.url}${path}`, { ...init, redirect: 'manual' });
    expect(performance.now() - started).toBeGreaterThanOrEqual(45);
    expect(normal.status).not.toBe(429);
    expect(emulator.count(route)).toBe(2);
    expect(emulator.count(route, { status: 429 })).toBe(1);
  });

  it('counts unknown Bitbucket paths under their route', async () => {
    emulator = await AtlassianEmulator.start();
    expect((await fetch(`${emulator.url}/2.0/repositories/acme/website`)).status).toBe(404);
    expect((await fetch(`${emulator.url}/site/oauth2/access_token`)).status).toBe(405);
    expect(emulator.count('bitbucket-repositories', { status: 404 })).toBe(1);
    expect(emulator.count('bitbucket-token', { status: 405 })).toBe(1);
  });
});
