import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { callWithBearer } from '../../../../test/support/emulator-api-call.js';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import { DEFAULT_EMULATOR_CLOUD_IDS } from '../emulator-defaults.js';
import type { EmulatorServiceAccountInput } from '../emulator.types.js';

const { acme, globex } = DEFAULT_EMULATOR_CLOUD_IDS;
const OWN_SITE = '9d9d9d9d-0000-4000-8000-00000000000a';
const ROBOT: EmulatorServiceAccountInput = {
  clientId: 'robot-client',
  clientSecret: 'robot-secret',
  scopes: ['read:jira-work', 'write:jira-work'],
  sites: [
    acme,
    {
      id: OWN_SITE,
      name: 'robots',
      url: 'https://robots.atlassian.net',
      scopes: ['read:jira-work'],
      issues: [{ key: 'BOT-1', summary: 'Beep' }],
    },
  ],
  name: 'Release robot',
};

type Fields = Record<string, string>;

describe('POST /oauth/token, client_credentials (service accounts)', () => {
  let emulator: AtlassianEmulator;
  const requestToken = (
    fields: Fields,
    encoding: 'json' | 'form' = 'form',
    init: RequestInit = {},
  ) =>
    fetch(`${emulator.authBaseURL}/oauth/token`, {
      method: 'POST',
      ...init,
      headers: {
        'content-type':
          encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded',
        ...(init.headers as Record<string, string>),
      },
      body: encoding === 'json' ? JSON.stringify(fields) : new URLSearchParams(fields).toString(),
    });
  const grant = (extra: Fields = {}): Fields => ({
    grant_type: 'client_credentials',
    client_id: 'robot-client',
    client_secret: 'robot-secret',
    ...extra,
  });
  const tokenFor = async () =>
    ((await (await requestToken(grant())).json()) as { access_token: string }).access_token;
  const api = (token: string, path: string, method = 'GET', body?: unknown) =>
    callWithBearer(`${emulator.apiBaseURL}${path}`, token, method, body);

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({
      now: new Date('2026-03-26T16:00:00Z'),
      serviceAccounts: [ROBOT],
    });
  });
  afterEach(() => emulator.stop());

  it.each(['form', 'json'] as const)(
    'answers a %s request with a 60-minute token for the fixed scopes and no refresh token',
    async (encoding) => {
      const response = await requestToken(grant(), encoding);
      expect(response.status).toBe(200);
      expect(response.headers.get('cache-control')).toBe('no-store');
      const body = (await response.json()) as Record<string, unknown>;
      expect(body).toEqual({
        access_token: expect.any(String),
        expires_in: 3600,
        scope: 'read:jira-work write:jira-work',
        token_type: 'Bearer',
      });
      expect(emulator.isAccessTokenValid(body.access_token as string)).toBe(true);
      expect(emulator.count('token', { grantType: 'client_credentials', status: 200 })).toBe(1);
      expect(emulator.calls.at(-1)).toMatchObject({
        clientId: 'robot-client',
        bodyEncoding: encoding,
      });
    },
  );

  it('never gives a refresh token, even to a credential holding offline_access', async () => {
    emulator.registerServiceAccount({
      ...ROBOT,
      clientId: 'offline-robot',
      scopes: ['read:jira-work', 'offline_access'],
    });
    const response = await requestToken(grant({ client_id: 'offline-robot' }));
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.scope).toBe('read:jira-work offline_access');
    expect(body).not.toHaveProperty('refresh_token');
  });

  it('accepts the credential by HTTP Basic too', async () => {
    const basic = Buffer.from('robot-client:robot-secret').toString('base64');
    const response = await requestToken({ grant_type: 'client_credentials' }, 'form', {
      headers: { authorization: `Basic ${basic}` },
    });
    expect(response.status).toBe(200);
  });

  it('the token lasts 60 minutes of emulator time, then the service account asks again', async () => {
    const token = await tokenFor();
    emulator.clock.advance(3599_999);
    expect((await api(token, `/ex/jira/${acme}/rest/api/3/myself`)).status).toBe(200);
    emulator.clock.advance(1);
    expect(await api(token, `/ex/jira/${acme}/rest/api/3/myself`)).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized' },
    });
    expect((await api(await tokenFor(), `/ex/jira/${acme}/rest/api/3/myself`)).status).toBe(200);
    expect(emulator.count('token', { grantType: 'client_credentials', status: 200 })).toBe(2);
  });

  it("accessible-resources lists the service account's sites, with the scopes it holds there", async () => {
    const { status, body } = await api(await tokenFor(), '/oauth/token/accessible-resources');
    expect(status).toBe(200);
    const byId = Object.fromEntries(
      (body as Array<{ id: string; scopes: string[]; url: string }>).map((site) => [site.id, site]),
    );
    expect(Object.keys(byId).sort()).toEqual([acme, OWN_SITE].sort());
    expect(byId[acme]).toMatchObject({
      url: 'https://acme.atlassian.net',
      scopes: ['read:jira-work', 'write:jira-work'],
    });
    expect(byId[OWN_SITE]!.scopes).toEqual(['read:jira-work']);
  });

  it('calls Jira as an app account, on its sites only, within its scopes', async () => {
    const token = await tokenFor();
    expect((await api(token, `/ex/jira/${acme}/rest/api/3/myself`)).body).toMatchObject({
      accountId: '712020:service-robot-client',
      accountType: 'app',
      displayName: 'Release robot',
    });
    expect((await api(token, `/ex/jira/${OWN_SITE}/rest/api/3/issue/BOT-1`)).status).toBe(200);
    expect((await api(token, `/ex/jira/${globex}/rest/api/3/issue/GLX-1`)).status).toBe(404);
    const comment = await api(token, `/ex/jira/${acme}/rest/api/3/issue/ACME-1/comment`, 'POST', {
      body: 'Released',
    });
    expect(comment.status).toBe(201);
    expect(comment.body.author).toEqual({
      accountId: '712020:service-robot-client',
      displayName: 'Release robot',
      accountType: 'app',
    });
    expect(await api(token, `/ex/confluence/${acme}/wiki/api/v2/spaces`)).toEqual({
      status: 401,
      body: { code: 401, message: 'Unauthorized; scope does not match' },
    });
  });

  it('is counted against the rate-limit budgets as an app of its own', async () => {
    emulator.setRateLimits({ appPointsPerHour: 2 });
    const robot = await tokenFor();
    const ada = emulator.issueTokens({ scopes: ['read:jira-work'] }).access_token;
    const read = (token: string) => api(token, `/ex/jira/${acme}/rest/api/3/issue/ACME-1`);
    expect((await read(robot)).status).toBe(200);
    expect((await read(robot)).status).toBe(429);
    expect((await read(ada)).status).toBe(200);
    expect(
      emulator.count('jira', {
        clientId: 'robot-client',
        rateLimitReason: 'jira-quota-global-based',
      }),
    ).toBe(1);
  });

  it('re-registering the credential with fewer sites takes them from its live tokens at once', async () => {
    const token = await tokenFor();
    emulator.registerServiceAccount({ ...ROBOT, sites: [globex] });
    expect(await api(token, `/ex/jira/${acme}/rest/api/3/issue/ACME-1`)).toEqual({
      status: 404,
      body: { errorMessages: ['Site not found'] },
    });
    const sites = await api(token, '/oauth/token/accessible-resources');
    expect(sites.body.map((site: { id: string }) => site.id)).toEqual([globex]);
  });

  describe('refusals (nothing is issued)', () => {
    afterEach(() => {
      expect(emulator.count('token', { grantType: 'client_credentials', status: 200 })).toBe(0);
      expect(JSON.stringify(emulator.calls)).not.toContain('robot-secret');
    });

    it('an unknown client: 400 invalid_client', async () => {
      const response = await requestToken(grant({ client_id: 'nobody' }));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Unknown client',
      });
    });

    it('a wrong or missing secret: 401 invalid_client', async () => {
      for (const fields of [grant({ client_secret: 'wrong' }), { ...grant(), client_secret: '' }]) {
        const response = await requestToken(fields);
        expect(response.status).toBe(401);
        expect(await response.json()).toEqual({
          error: 'invalid_client',
          error_description: 'Client authentication failed',
        });
      }
      const { client_secret: _dropped, ...noSecret } = grant();
      expect((await requestToken(noSecret)).status).toBe(401);
    });

    it('a scope: 400 invalid_scope, the scopes are fixed on the credential', async () => {
      const response = await requestToken(grant({ scope: 'read:jira-work' }));
      expect(response.status).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('invalid_scope');
    });

    it("an app's credentials are no service account's, and a service account has no other grant", async () => {
      const app = grant({
        client_id: 'emulator-client-id',
        client_secret: 'emulator-client-secret',
      });
      expect((await requestToken(app)).status).toBe(400);
      const codeGrant = await requestToken(grant({ grant_type: 'authorization_code', code: 'x' }));
      expect(codeGrant.status).toBe(401);
      expect(((await codeGrant.json()) as { error: string }).error).toBe('access_denied');
      const password = await requestToken({ ...app, grant_type: 'password' });
      expect(password.status).toBe(400);
      expect(((await password.json()) as { error: string }).error).toBe('unsupported_grant_type');
    });
  });

  it('a service account may only name sites some user has', async () => {
    expect(() =>
      emulator.registerServiceAccount({
        ...ROBOT,
        sites: ['00000000-0000-4000-8000-000000000000'],
      }),
    ).toThrow(/no user has a site with cloudId "00000000-0000-4000-8000-000000000000"/);
    await expect(
      AtlassianEmulator.start({ serviceAccounts: [{ ...ROBOT, sites: [OWN_SITE] }] }),
    ).rejects.toThrow(/give the site itself/);
  });
});
