import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import type { EmulatorTokenResponse } from '../emulator.types.js';

const REDIRECT = 'http://127.0.0.1:4000/callback';
const CLIENT = { clientId: 'app', clientSecret: 'app-secret', redirectUris: [REDIRECT] };
const SCOPES = 'read:me offline_access read:jira-work';

type Fields = Record<string, string>;

const errorOf = async (response: Response) => ((await response.json()) as { error: string }).error;

async function codeFor(
  emulator: AtlassianEmulator,
  extra: Fields = {},
  scope = SCOPES,
): Promise<string> {
  const query = new URLSearchParams({
    audience: 'api.atlassian.com',
    client_id: 'app',
    scope,
    redirect_uri: REDIRECT,
    state: 's',
    response_type: 'code',
    ...extra,
  });
  const location = await emulator.approve(`${emulator.authBaseURL}/authorize?${query}`);
  return new URL(location).searchParams.get('code') ?? '';
}

function postToken(
  emulator: AtlassianEmulator,
  fields: Fields,
  encoding: 'json' | 'form' = 'json',
  init: RequestInit = {},
) {
  const body =
    encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString();
  const contentType =
    encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded';
  return fetch(`${emulator.authBaseURL}/oauth/token`, {
    method: 'POST',
    ...init,
    headers: { 'content-type': contentType, ...(init.headers as Record<string, string>) },
    body,
  });
}

const exchange = (code: string, extra: Fields = {}): Fields => ({
  grant_type: 'authorization_code',
  client_id: 'app',
  client_secret: 'app-secret',
  code,
  redirect_uri: REDIRECT,
  ...extra,
});

describe('POST /oauth/token, authorization_code', () => {
  let emulator: AtlassianEmulator;
  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ clients: [CLIENT] });
  });
  afterEach(() => emulator.stop());

  it('exchanges a code sent as JSON', async () => {
    const response = await postToken(emulator, exchange(await codeFor(emulator)));
    const body = (await response.json()) as EmulatorTokenResponse;
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(body).toEqual({
      access_token: expect.any(String),
      expires_in: 3600,
      scope: SCOPES,
      token_type: 'Bearer',
      refresh_token: expect.any(String),
    });
    expect(body.access_token.length).toBeGreaterThan(1000);
    expect(emulator.isAccessTokenValid(body.access_token)).toBe(true);
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'token',
      method: 'POST',
      path: '/oauth/token',
      status: 200,
      grantType: 'authorization_code',
      clientId: 'app',
      bodyEncoding: 'json',
    });
  });

  it('exchanges a code sent as a form, and with HTTP Basic client authentication', async () => {
    const form = await postToken(emulator, exchange(await codeFor(emulator)), 'form');
    expect(form.status).toBe(200);
    const {
      client_id: _id,
      client_secret: _secret,
      ...withoutClient
    } = exchange(await codeFor(emulator));
    const basic = await postToken(emulator, withoutClient, 'form', {
      headers: { authorization: `Basic ${Buffer.from('app:app-secret').toString('base64')}` },
    });
    expect(basic.status).toBe(200);
    expect(emulator.count('token', { bodyEncoding: 'form', status: 200, clientId: 'app' })).toBe(2);
  });

  it('gives no refresh token without offline_access', async () => {
    const response = await postToken(
      emulator,
      exchange(await codeFor(emulator, {}, 'read:me read:jira-work')),
    );
    const body = (await response.json()) as EmulatorTokenResponse;
    expect(body.scope).toBe('read:me read:jira-work');
    expect(body).not.toHaveProperty('refresh_token');
  });

  it.each([
    ['wrong secret', { client_secret: 'nope' }],
    ['unknown client', { client_id: 'other' }],
    ['no secret', { client_secret: undefined }],
  ])('answers 401 access_denied for a %s', async (_name, override) => {
    const fields = Object.fromEntries(
      Object.entries({ ...exchange(await codeFor(emulator)), ...override }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Fields;
    const response = await postToken(emulator, fields);
    expect(response.status).toBe(401);
    expect(await response.json()).toEqual({
      error: 'access_denied',
      error_description: 'Unauthorized',
    });
  });

  it('accepts a code once; a replay gets 403 and revokes the tokens it produced', async () => {
    const code = await codeFor(emulator);
    const first = (await (
      await postToken(emulator, exchange(code))
    ).json()) as EmulatorTokenResponse;
    const replay = await postToken(emulator, exchange(code));
    expect(replay.status).toBe(403);
    expect(await replay.json()).toEqual({
      error: 'invalid_grant',
      error_description: 'Invalid authorization code',
    });
    expect(emulator.isAccessTokenValid(first.access_token)).toBe(false);
    const refresh = await postToken(emulator, {
      grant_type: 'refresh_token',
      client_id: 'app',
      client_secret: 'app-secret',
      refresh_token: first.refresh_token!,
    });
    expect(refresh.status).toBe(403);
  });

  it.each([
    [
      'a different redirect_uri',
      async (code: string) => exchange(code, { redirect_uri: `${REDIRECT}/` }),
    ],
    ['an unknown code', async () => exchange('not-a-code')],
  ])('answers 403 invalid_grant for %s', async (_name, fields) => {
    const response = await postToken(emulator, await fields(await codeFor(emulator)));
    expect(response.status).toBe(403);
    expect(await errorOf(response)).toBe('invalid_grant');
  });

  it('refuses a code after 10 minutes of emulator time, accepts it just before', async () => {
    const late = await codeFor(emulator);
    const onTime = await codeFor(emulator);
    emulator.clock.advance(10 * 60 * 1000 - 1);
    expect((await postToken(emulator, exchange(onTime))).status).toBe(200);
    emulator.clock.advance(1);
    expect((await postToken(emulator, exchange(late))).status).toBe(403);
  });

  it('refuses a code issued to another client', async () => {
    emulator.registerClient({
      clientId: 'other',
      clientSecret: 'other-secret',
      redirectUris: [REDIRECT],
    });
    const response = await postToken(
      emulator,
      exchange(await codeFor(emulator), { client_id: 'other', client_secret: 'other-secret' }),
    );
    expect(response.status).toBe(403);
  });

  it.each([
    [{ grant_type: undefined }, 400, 'invalid_request'],
    [{ grant_type: 'password' }, 400, 'unsupported_grant_type'],
    [{ code: undefined }, 400, 'invalid_request'],
    [{ redirect_uri: undefined }, 400, 'invalid_request'],
  ])('answers %j with %i %s', async (override, status, error) => {
    const fields = Object.fromEntries(
      Object.entries({ ...exchange(await codeFor(emulator)), ...override }).filter(
        ([, v]) => v !== undefined,
      ),
    ) as Fields;
    const response = await postToken(emulator, fields);
    expect(response.status).toBe(status);
    expect(await errorOf(response)).toBe(error);
  });

  it('answers 400 invalid_request to a body that is not JSON or a form', async () => {
    const broken = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(broken.status).toBe(400);
    const text = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: 'x',
    });
    expect(await errorOf(text)).toBe('invalid_request');
  });
});

describe('POST /oauth/token, PKCE', () => {
  let emulator: AtlassianEmulator;
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const pkce = { code_challenge: challenge, code_challenge_method: 'S256' };

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ clients: [CLIENT] });
  });
  afterEach(() => emulator.stop());

  it('accepts the right verifier', async () => {
    const response = await postToken(
      emulator,
      exchange(await codeFor(emulator, pkce), { code_verifier: verifier }),
    );
    expect(response.status).toBe(200);
  });

  it('refuses a wrong verifier with 403 invalid_grant, and a missing one with 400 invalid_request', async () => {
    const code = await codeFor(emulator, pkce);
    const wrong = await postToken(
      emulator,
      exchange(code, { code_verifier: randomBytes(32).toString('base64url') }),
    );
    expect(wrong.status).toBe(403);
    expect(await errorOf(wrong)).toBe('invalid_grant');
    const missing = await postToken(emulator, exchange(code));
    expect(missing.status).toBe(400);
    expect(await errorOf(missing)).toBe('invalid_request');
    // Failed checks do not burn the code: the right verifier still works.
    expect((await postToken(emulator, exchange(code, { code_verifier: verifier }))).status).toBe(
      200,
    );
  });

  it('ignores a verifier sent for a code issued without a challenge', async () => {
    const response = await postToken(
      emulator,
      exchange(await codeFor(emulator), { code_verifier: verifier }),
    );
    expect(response.status).toBe(200);
  });
});
