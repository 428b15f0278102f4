import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';

const REDIRECT = 'http://127.0.0.1:4000/auth/atlassian/callback';
const CLIENT = { clientId: 'app', clientSecret: 'app-secret', redirectUris: [REDIRECT] };

function authorizeUrl(
  emulator: AtlassianEmulator,
  overrides: Record<string, string | undefined> = {},
): string {
  const url = new URL(`${emulator.authBaseURL}/authorize`);
  const params = {
    audience: 'api.atlassian.com',
    client_id: 'app',
    scope: 'read:me offline_access read:jira-work',
    redirect_uri: REDIRECT,
    state: 'state-1',
    response_type: 'code',
    prompt: 'consent',
    ...overrides,
  };
  for (const [key, value] of Object.entries(params))
    if (value !== undefined) url.searchParams.set(key, value);
  return url.toString();
}

describe('GET /authorize', () => {
  let emulator: AtlassianEmulator;
  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ clients: [CLIENT] });
  });
  afterEach(() => emulator.stop());

  it('shows a consent page with the app, the user, the scopes and both buttons', async () => {
    const response = await fetch(authorizeUrl(emulator));
    const page = await response.text();
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/html');
    expect(page).toContain('<button name="decision" value="approve" id="approve">Accept</button>');
    expect(page).toContain('<button name="decision" value="deny" id="deny">Deny</button>');
    expect(page).toContain('<code id="client-id">app</code>');
    expect(page).toContain('Ada Lovelace');
    expect(page).toContain('<code>read:jira-work</code>');
    expect(page).toMatch(/<form method="post" action="\/authorize\/decision">/);
  });

  it.each([
    ['redirect_uri', { redirect_uri: `${REDIRECT}/` }],
    ['redirect_uri', { redirect_uri: undefined }],
    ['client_id', { client_id: 'someone-else' }],
    ['audience', { audience: undefined }],
    ['audience', { audience: 'api.atlassian.net' }],
    ['response_type', { response_type: 'token' }],
    ['scope', { scope: ' ' }],
    ['state', { state: undefined }],
    ['code_challenge_method', { code_challenge: 'a'.repeat(43), code_challenge_method: 'plain' }],
    ['code_challenge_method', { code_challenge: 'a'.repeat(43) }],
    ['code_challenge', { code_challenge: 'short', code_challenge_method: 'S256' }],
  ])('answers 400 naming %s, and never redirects', async (parameter, overrides) => {
    const response = await fetch(authorizeUrl(emulator, overrides), { redirect: 'manual' });
    expect(response.status).toBe(400);
    expect(response.headers.get('location')).toBeNull();
    expect(await response.text()).toContain(`Invalid parameter <code>${parameter}</code>`);
    expect(emulator.count('authorize', { status: 400 })).toBe(1);
  });
});

describe('consent decision', () => {
  let emulator: AtlassianEmulator;
  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ clients: [CLIENT] });
  });
  afterEach(() => emulator.stop());

  it('approve() redirects to the callback with a long, JWT-like code and the state', async () => {
    const location = new URL(await emulator.approve(authorizeUrl(emulator)));
    expect(`${location.origin}${location.pathname}`).toBe(REDIRECT);
    expect(location.searchParams.get('state')).toBe('state-1');
    const code = location.searchParams.get('code') ?? '';
    expect(code.length).toBeGreaterThan(300);
    expect(code.split('.')).toHaveLength(3);
    expect(emulator.count('authorize', { method: 'GET', status: 200 })).toBe(1);
    expect(emulator.count('authorize', { method: 'POST', status: 302 })).toBe(1);
  });

  it('deny redirects with access_denied and the exact description', async () => {
    const location = await emulator.approve(authorizeUrl(emulator), { deny: true });
    expect(location).toBe(
      `${REDIRECT}?error=access_denied&error_description=User%20did%20not%20authorize%20the%20request&state=state-1`,
    );
  });

  it('keeps a query string already on the callback URL', async () => {
    const withQuery = `${REDIRECT}?tenant=7`;
    emulator.registerClient({ ...CLIENT, redirectUris: [withQuery] });
    const location = await emulator.approve(authorizeUrl(emulator, { redirect_uri: withQuery }));
    expect(location).toMatch(
      /^http:\/\/127\.0\.0\.1:4000\/auth\/atlassian\/callback\?tenant=7&code=[^&]+&state=state-1$/,
    );
  });

  it('accepts each consent form once', async () => {
    const page = await (await fetch(authorizeUrl(emulator))).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    const submit = () =>
      fetch(`${emulator.url}/authorize/decision`, {
        method: 'POST',
        body: new URLSearchParams({ request_id: requestId, decision: 'approve' }),
        redirect: 'manual',
      });
    expect((await submit()).status).toBe(302);
    const second = await submit();
    expect(second.status).toBe(400);
    expect(await second.text()).toContain('request_id');
  });

  it('refuses a consent form left open more than 10 minutes of emulator time', async () => {
    const page = await (await fetch(authorizeUrl(emulator))).text();
    const requestId = /name="request_id" value="([^"]+)"/.exec(page)?.[1] ?? '';
    emulator.clock.advance(10 * 60 * 1000);
    const response = await fetch(`${emulator.url}/authorize/decision`, {
      method: 'POST',
      body: new URLSearchParams({ request_id: requestId, decision: 'approve' }),
      redirect: 'manual',
    });
    expect(response.status).toBe(400);
  });

  it('approve() fails with the page message when the authorize URL is bad', async () => {
    await expect(emulator.approve(authorizeUrl(emulator, { audience: undefined }))).rejects.toThrow(
      /answered 400: Invalid parameter audience/,
    );
  });
});

describe('autoApprove', () => {
  let emulator: AtlassianEmulator;
  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ clients: [CLIENT], autoApprove: true });
  });
  afterEach(() => emulator.stop());

  it('redirects straight back with a code', async () => {
    const response = await fetch(authorizeUrl(emulator), { redirect: 'manual' });
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toMatch(
      /^http:\/\/127\.0\.0\.1:4000\/auth\/atlassian\/callback\?code=[^&]+&state=state-1$/,
    );
  });

  it('still validates the request', async () => {
    const response = await fetch(
      authorizeUrl(emulator, { redirect_uri: 'http://evil.example/cb' }),
      { redirect: 'manual' },
    );
    expect(response.status).toBe(400);
  });

  it('approve() works, and refuses to deny', async () => {
    expect(await emulator.approve(authorizeUrl(emulator))).toContain('code=');
    await expect(emulator.approve(authorizeUrl(emulator), { deny: true })).rejects.toThrow(
      /autoApprove/,
    );
  });
});
