import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import type { EmulatorTokenResponse } from '../emulator.types.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const INVALID_REFRESH = {
  error: 'invalid_grant',
  error_description: 'Unknown or invalid refresh token.',
};

describe('POST /oauth/token, refresh_token (rotating)', () => {
  let emulator: AtlassianEmulator;
  let first: EmulatorTokenResponse;

  const refresh = async (refreshToken: string | undefined) => {
    const response = await fetch(`${emulator.authBaseURL}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        client_id: 'emulator-client-id',
        client_secret: 'emulator-client-secret',
        refresh_token: refreshToken,
      }),
    });
    return {
      status: response.status,
      body: (await response.json()) as EmulatorTokenResponse & Record<string, string>,
    };
  };
  const meStatus = async (accessToken: string) =>
    (
      await fetch(`${emulator.apiBaseURL}/me`, {
        headers: { authorization: `Bearer ${accessToken}` },
      })
    ).status;

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-01-01T00:00:00Z') });
    first = emulator.issueTokens({ scopes: ['read:me', 'offline_access'] });
  });
  afterEach(() => emulator.stop());

  it('returns a new access token and a new refresh token', async () => {
    const { status, body } = await refresh(first.refresh_token);
    expect(status).toBe(200);
    expect(body.access_token).not.toBe(first.access_token);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body).toMatchObject({
      expires_in: 3600,
      token_type: 'Bearer',
      scope: 'read:me offline_access',
    });
    expect(emulator.refreshTokenUses(first.refresh_token!)).toBe(1);
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(1);
    expect(emulator.calls.at(-1)?.refreshTokenReused).toBeUndefined();
  });

  it('accepts the used refresh token within the leeway, flagged as reused', async () => {
    await refresh(first.refresh_token);
    emulator.clock.advance(10 * MINUTE - 1);
    const again = await refresh(first.refresh_token);
    expect(again.status).toBe(200);
    expect(emulator.calls.at(-1)).toMatchObject({ refreshTokenReused: true, status: 200 });
    expect(emulator.count('token', { refreshTokenReused: true })).toBe(1);
    expect(emulator.refreshTokenUses(first.refresh_token!)).toBe(2);
  });

  it('notes every replay of a used refresh token, accepted inside the leeway or refused after it', async () => {
    const second = (await refresh(first.refresh_token)).body;
    expect(emulator.calls.at(-1)?.refreshTokenReplayed).toBeUndefined();
    await refresh(first.refresh_token);
    expect(emulator.calls.at(-1)).toMatchObject({
      status: 200,
      refreshTokenReused: true,
      refreshTokenReplayed: true,
    });
    emulator.clock.advance(10 * MINUTE);
    expect((await refresh(first.refresh_token)).status).toBe(403);
    expect(emulator.calls.at(-1)).toMatchObject({ status: 403, refreshTokenReplayed: true });
    expect(emulator.calls.at(-1)?.refreshTokenReused).toBeUndefined();
    // The chain is revoked now, but its unused token was never replayed.
    expect((await refresh(second.refresh_token)).status).toBe(403);
    expect(emulator.calls.at(-1)?.refreshTokenReplayed).toBeUndefined();
    expect(emulator.refreshTokenReplays()).toBe(2);
  });

  it('with refreshLeewaySeconds 0, a replay is refused at once and still noted, while refreshTokenReused never fires', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
    const tokens = emulator.issueTokens({ scopes: ['read:me', 'offline_access'] });
    expect((await refresh(tokens.refresh_token)).status).toBe(200);
    expect(emulator.refreshTokenReplays()).toBe(0);
    expect(await refresh(tokens.refresh_token)).toEqual({ status: 403, body: INVALID_REFRESH });
    expect(await refresh(tokens.refresh_token)).toEqual({ status: 403, body: INVALID_REFRESH });
    expect(
      emulator.count('token', {
        grantType: 'refresh_token',
        refreshTokenReplayed: true,
        status: 403,
      }),
    ).toBe(2);
    expect(emulator.count('token', { refreshTokenReused: true })).toBe(0);
    expect(emulator.refreshTokenReplays()).toBe(2);
    emulator.resetCalls();
    expect(emulator.refreshTokenReplays()).toBe(0);
  });

  it('ends the old access token with the leeway, not the new one', async () => {
    const second = (await refresh(first.refresh_token)).body;
    emulator.clock.advance(10 * MINUTE);
    expect(emulator.isAccessTokenValid(first.access_token)).toBe(false);
    expect(emulator.isAccessTokenValid(second.access_token)).toBe(true);
  });

  it('after the leeway, the old refresh token revokes the whole grant', async () => {
    const second = (await refresh(first.refresh_token)).body;
    emulator.clock.advance(10 * MINUTE);
    const late = await refresh(first.refresh_token);
    expect(late).toEqual({ status: 403, body: INVALID_REFRESH });
    expect(await meStatus(second.access_token)).toBe(401);
    expect((await refresh(second.refresh_token)).status).toBe(403);
  });

  it('expires an unused refresh token after 90 days of inactivity, counted from its issue', async () => {
    emulator.clock.advance(90 * DAY - 1);
    const second = await refresh(first.refresh_token);
    expect(second.status).toBe(200);
    emulator.clock.advance(90 * DAY);
    expect(await refresh(second.body.refresh_token)).toEqual({
      status: 403,
      body: INVALID_REFRESH,
    });
  });

  it('refuses every refresh 365 days after consent, however recent the token', async () => {
    let token = first.refresh_token;
    for (let i = 0; i < 4; i++) {
      emulator.clock.advance(80 * DAY);
      const next = await refresh(token);
      expect(next.status).toBe(200);
      token = next.body.refresh_token;
    }
    emulator.clock.advance(45 * DAY);
    expect(await refresh(token)).toEqual({ status: 403, body: INVALID_REFRESH });
  });

  it('expires access tokens after accessTokenTtlSeconds', async () => {
    emulator.clock.advance(3600 * 1000 - 1);
    expect(await meStatus(first.access_token)).toBe(200);
    emulator.clock.advance(1);
    expect(await meStatus(first.access_token)).toBe(401);
  });

  it('revokeGrant() kills access and refresh tokens of the user', async () => {
    emulator.revokeGrant('5b10ac8d82e05b22cc7d4ef5');
    expect(await meStatus(first.access_token)).toBe(401);
    expect((await refresh(first.refresh_token)).status).toBe(403);
  });

  it('refuses an unknown token with 403 and a missing one with 400 invalid_request', async () => {
    expect((await refresh('unknown')).status).toBe(403);
    const missing = await refresh(undefined);
    expect(missing.status).toBe(400);
    expect(missing.body.error).toBe('invalid_request');
  });

  it('refuses a refresh token presented by another client', async () => {
    emulator.registerClient({ clientId: 'other', clientSecret: 'other-secret', redirectUris: [] });
    const response = await fetch(`${emulator.url}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'other',
        client_secret: 'other-secret',
        refresh_token: first.refresh_token!,
      }),
    });
    expect(response.status).toBe(403);
  });

  it('honours custom durations', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({
      accessTokenTtlSeconds: 60,
      refreshLeewaySeconds: 5,
    });
    const tokens = emulator.issueTokens({ scopes: ['read:me', 'offline_access'] });
    expect(tokens.expires_in).toBe(60);
    await refresh(tokens.refresh_token);
    emulator.clock.advance(5001);
    expect((await refresh(tokens.refresh_token)).status).toBe(403);
  });
});
