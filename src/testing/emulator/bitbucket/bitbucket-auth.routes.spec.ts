import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';

const CALLBACK = 'http://127.0.0.1:4000/auth/bitbucket/callback';
const CONSUMER = {
  key: 'bb-key',
  secret: 'bb-secret',
  callbackURL: CALLBACK,
  scopes: ['account', 'email'],
};
const BASIC = `Basic ${Buffer.from('bb-key:bb-secret').toString('base64')}`;

describe('GET /site/oauth2/authorize', () => {
  let emulator: AtlassianEmulator;
  const authorizeUrl = (
    params: Record<string, string> = { client_id: 'bb-key', response_type: 'code', state: 'st 1' },
  ) => `${emulator.bitbucketAuthBaseURL}/site/oauth2/authorize?${new URLSearchParams(params)}`;
  const accountOf = async (code: string) => {
    const tokens = await fetch(`${emulator.bitbucketAuthBaseURL}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { authorization: BASIC },
      body: new URLSearchParams({ grant_type: 'authorization_code', code }),
    });
    const { access_token } = (await tokens.json()) as { access_token: string };
    const user = await fetch(`${emulator.bitbucketApiBaseURL}/2.0/user`, {
      headers: { authorization: `Bearer ${access_token}` },
    });
    return ((await user.json()) as { account_id: string }).account_id;
  };
  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ bitbucketConsumers: [CONSUMER] });
    emulator.addUser({ accountId: 'grace', name: 'Grace Hopper' });
  });
  afterEach(() => emulator.stop());

  it('shows a Bitbucket consent page with the consumer scopes, the users and both buttons', async () => {
    const response = await fetch(authorizeUrl());
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(page).toContain('to access your Bitbucket account?');
    expect(page).toContain('<form method="post" action="/site/oauth2/authorize/decision">');
    expect(page).toContain('id="approve"');
    expect(page).toContain('id="deny"');
    expect(page).toContain('<code>email</code>');
    expect(page).toContain('Grace Hopper');
    expect(emulator.count('bitbucket-authorize', { clientId: 'bb-key', status: 200 })).toBe(1);
  });

  it('approve() consents: a code and the state come back to the consumer callback', async () => {
    const callback = new URL(await emulator.approve(authorizeUrl()));
    expect(`${callback.origin}${callback.pathname}`).toBe(CALLBACK);
    expect(callback.searchParams.get('state')).toBe('st 1');
    expect(callback.search).toContain('state=st%201');
    expect(await accountOf(callback.searchParams.get('code') ?? '')).toBe(
      '5b10ac8d82e05b22cc7d4ef5',
    );
    expect(emulator.count('bitbucket-authorize')).toBe(2);
    expect(emulator.count('authorize')).toBe(0);
  });

  it('approve({ accountId }) consents as another user of the emulator', async () => {
    const callback = new URL(await emulator.approve(authorizeUrl(), { accountId: 'grace' }));
    expect(await accountOf(callback.searchParams.get('code') ?? '')).toBe('grace');
  });

  it('approve({ deny: true }) comes back with access_denied and the state', async () => {
    const callback = new URL(await emulator.approve(authorizeUrl(), { deny: true }));
    expect(callback.searchParams.get('error')).toBe('access_denied');
    expect(callback.searchParams.get('error_description')).toBeTruthy();
    expect(callback.searchParams.get('state')).toBe('st 1');
    expect(callback.searchParams.has('code')).toBe(false);
  });

  it('accepts an exact redirect_uri, and no state (then none comes back)', async () => {
    const location = await emulator.approve(
      authorizeUrl({ client_id: 'bb-key', response_type: 'code', redirect_uri: CALLBACK }),
    );
    expect(new URL(location).searchParams.has('state')).toBe(false);
  });

  it.each([
    ['client_id', { client_id: 'someone-else', response_type: 'code' }],
    ['redirect_uri', { client_id: 'bb-key', response_type: 'code', redirect_uri: `${CALLBACK}/` }],
    ['response_type', { client_id: 'bb-key', response_type: 'token' }],
    [
      'code_challenge',
      {
        client_id: 'bb-key',
        response_type: 'code',
        code_challenge: 'a'.repeat(43),
        code_challenge_method: 'S256',
      },
    ],
    [
      'code_challenge_method',
      { client_id: 'bb-key', response_type: 'code', code_challenge_method: 'S256' },
    ],
  ])('answers 400 naming %s, and never redirects', async (parameter, params) => {
    const response = await fetch(authorizeUrl(params), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(`Invalid parameter <code>${parameter}</code>`);
    await expect(emulator.approve(authorizeUrl(params))).rejects.toThrow(parameter);
  });

  it('keeps Bitbucket and Atlassian consent requests apart', async () => {
    const page = await (await fetch(authorizeUrl())).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const atlassian = await fetch(`${emulator.authBaseURL}/authorize/decision`, {
      method: 'POST',
      body: new URLSearchParams({ request_id: requestId, decision: 'approve' }),
      redirect: 'manual',
    });
    expect(atlassian.status).toBe(400);
  });

  it('redirects at once under autoApprove', async () => {
    emulator.setAutoApprove(true);
    const response = await fetch(authorizeUrl(), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:4000\/auth\/bitbucket\/callback\?code=.+&state=st%201$/,
    );
  });
});
