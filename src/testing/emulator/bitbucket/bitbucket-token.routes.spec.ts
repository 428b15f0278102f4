import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import type { BitbucketScopeField } from '../bitbucket.types.js';

const CALLBACK = 'http://127.0.0.1:4000/auth/bitbucket/callback';
const CONSUMER = { key: 'bb-key', secret: 'bb-secret', callbackURL: CALLBACK };
const BASIC = `Basic ${Buffer.from('bb-key:bb-secret').toString('base64')}`;
const MINUTE = 60 * 1000;

describe('POST /site/oauth2/access_token', () => {
  let emulator: AtlassianEmulator;
  const start = async (bitbucketScopeField?: BitbucketScopeField) => {
    emulator = await AtlassianEmulator.start({
      bitbucketConsumers: [CONSUMER],
      bitbucketScopeField,
    });
  };
  const code = async () => {
    const location = await emulator.approve(
      `${emulator.bitbucketAuthBaseURL}/site/oauth2/authorize?client_id=bb-key&response_type=code&state=s1`,
    );
    return new URL(location).searchParams.get('code') ?? '';
  };
  const post = async (
    form: Record<string, string>,
    headers: Record<string, string> = { authorization: BASIC },
  ) => {
    const response = await fetch(`${emulator.bitbucketAuthBaseURL}/site/oauth2/access_token`, {
      method: 'POST',
      headers,
      body: new URLSearchParams(form),
    });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };
  beforeEach(() => start());
  afterEach(() => emulator.stop());

  it('exchanges a code: long bearer tokens, 7200 s, the consumer scopes as `scope`, the grant echoed as `state`', async () => {
    const { status, body } = await post({ grant_type: 'authorization_code', code: await code() });
    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'scope',
      'state',
      'token_type',
    ]);
    expect(body).toMatchObject({
      scope: 'account email repository',
      expires_in: 7200,
      token_type: 'bearer',
      state: 'authorization_code',
    });
    expect((body.access_token as string).length).toBeGreaterThan(2500);
    expect((body.refresh_token as string).length).toBeGreaterThan(2500);
    expect(emulator.isBitbucketAccessTokenValid(body.access_token as string)).toBe(true);
    expect(emulator.isAccessTokenValid(body.access_token as string)).toBe(false);
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'bitbucket-token',
      clientAuth: 'basic',
      clientId: 'bb-key',
      bodyEncoding: 'form',
    });
  });

  it.each([
    ['scopes', ['scopes']],
    ['both', ['scope', 'scopes']],
  ] as const)('with bitbucketScopeField %s, names the scopes as %j', async (field, names) => {
    await emulator.stop();
    await start(field);
    const { body } = await post({ grant_type: 'authorization_code', code: await code() });
    for (const name of ['scope', 'scopes']) {
      expect(body[name]).toBe(
        (names as readonly string[]).includes(name) ? 'account email repository' : undefined,
      );
    }
  });

  it('requires HTTP Basic: credentials in the body are refused with 401 invalid_client', async () => {
    const form = {
      grant_type: 'authorization_code',
      code: await code(),
      client_id: 'bb-key',
      client_secret: 'bb-secret',
    };
    const { status, body } = await post(form, {});
    expect(status).toBe(401);
    expect(body).toEqual({
      error: 'invalid_client',
      error_description:
        'Client credentials missing; this request needs to be authenticated with the OAuth client id and secret',
    });
    expect(emulator.calls.at(-1)).toMatchObject({ status: 401, clientAuth: 'body' });
    expect((await post({ grant_type: 'authorization_code', code: form.code }, {})).status).toBe(
      401,
    );
    expect(emulator.calls.at(-1)?.clientAuth).toBe('none');
    // The refused attempts did not use the code up.
    expect((await post({ grant_type: 'authorization_code', code: form.code })).status).toBe(200);
  });

  it('refuses a wrong secret or an unknown consumer', async () => {
    const wrong = `Basic ${Buffer.from('bb-key:nope').toString('base64')}`;
    expect(
      await post(
        { grant_type: 'authorization_code', code: await code() },
        { authorization: wrong },
      ),
    ).toEqual({
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid OAuth client credentials' },
    });
  });

  it('takes form bodies only: JSON is a 400 invalid_request', async () => {
    const response = await fetch(`${emulator.bitbucketAuthBaseURL}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { authorization: BASIC, 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'authorization_code', code: await code() }),
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ error: 'invalid_request' });
    expect(emulator.count('bitbucket-token', { bodyEncoding: 'json', status: 400 })).toBe(1);
  });

  it('uses a code once; a replay is refused and kills the tokens it produced', async () => {
    const once = await code();
    const first = await post({ grant_type: 'authorization_code', code: once });
    const replay = await post({ grant_type: 'authorization_code', code: once });
    expect(replay).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The specified code is not valid.' },
    });
    expect(emulator.isBitbucketAccessTokenValid(first.body.access_token as string)).toBe(false);
  });

  it('binds a code to its consumer, its callback and ten minutes', async () => {
    emulator.registerBitbucketConsumer({ key: 'other', secret: 'x', callbackURL: CALLBACK });
    const other = `Basic ${Buffer.from('other:x').toString('base64')}`;
    const issued = await code();
    expect(
      (await post({ grant_type: 'authorization_code', code: issued }, { authorization: other }))
        .status,
    ).toBe(400);
    expect(
      (await post({ grant_type: 'authorization_code', code: issued, redirect_uri: `${CALLBACK}/` }))
        .status,
    ).toBe(400);
    expect(
      (await post({ grant_type: 'authorization_code', code: issued, redirect_uri: CALLBACK }))
        .status,
    ).toBe(200);
    const late = await code();
    emulator.clock.advance(10 * MINUTE);
    expect((await post({ grant_type: 'authorization_code', code: late })).status).toBe(400);
  });

  it('answers missing and unsupported grant types', async () => {
    expect((await post({})).body).toEqual({
      error: 'invalid_request',
      error_description: 'Missing grant_type',
    });
    expect((await post({ grant_type: 'password' })).body).toMatchObject({
      error: 'unsupported_grant_type',
    });
    expect((await post({ grant_type: 'authorization_code' })).body).toMatchObject({
      error: 'invalid_request',
    });
  });
});
