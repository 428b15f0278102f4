import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';
import type { EmulatorBitbucketTokenResponse } from '../bitbucket.types.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from '../emulator-defaults.js';

const MINUTE = 60 * 1000;
const DAY = 24 * 60 * MINUTE;
const BASIC = `Basic ${Buffer.from('emulator-bitbucket-key:emulator-bitbucket-secret').toString('base64')}`;
const INVALID_GRANT = { error: 'invalid_grant', error_description: 'Invalid refresh_token' };

describe('POST /site/oauth2/access_token, refresh_token (rotating)', () => {
  let emulator: AtlassianEmulator;
  let first: EmulatorBitbucketTokenResponse;

  const refresh = async (refreshToken: string, authorization = BASIC) => {
    const response = await fetch(`${emulator.bitbucketAuthBaseURL}/site/oauth2/access_token`, {
      method: 'POST',
      headers: { authorization },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken }),
    });
    return {
      status: response.status,
      body: (await response.json()) as EmulatorBitbucketTokenResponse & Record<string, string>,
    };
  };

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start({ now: new Date('2026-06-01T00:00:00Z') });
    first = emulator.issueBitbucketTokens();
  });
  afterEach(() => emulator.stop());

  it('returns a new pair each time, echoing `refresh_token` as the state', async () => {
    const { status, body } = await refresh(first.refresh_token);
    expect(status).toBe(200);
    expect(body.access_token).not.toBe(first.access_token);
    expect(body.refresh_token).not.toBe(first.refresh_token);
    expect(body).toMatchObject({
      expires_in: 7200,
      token_type: 'bearer',
      scope: 'account email repository',
      state: 'refresh_token',
    });
    expect(emulator.bitbucketRefreshTokenUses(first.refresh_token)).toBe(1);
    expect(
      emulator.count('bitbucket-token', {
        grantType: 'refresh_token',
        status: 200,
        clientAuth: 'basic',
      }),
    ).toBe(1);
  });

  it('accepts the used refresh token within the leeway, flagged as reused; the old access token dies with the leeway', async () => {
    const second = (await refresh(first.refresh_token)).body;
    emulator.clock.advance(10 * MINUTE - 1);
    expect((await refresh(first.refresh_token)).status).toBe(200);
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'bitbucket-token',
      refreshTokenReused: true,
    });
    expect(emulator.bitbucketRefreshTokenUses(first.refresh_token)).toBe(2);
    emulator.clock.advance(1);
    expect(emulator.isBitbucketAccessTokenValid(first.access_token)).toBe(false);
    expect(emulator.isBitbucketAccessTokenValid(second.access_token)).toBe(true);
  });

  it('past the leeway, a reuse is invalid_grant and revokes the whole chain', async () => {
    const second = (await refresh(first.refresh_token)).body;
    emulator.clock.advance(10 * MINUTE);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    expect(emulator.isBitbucketAccessTokenValid(second.access_token)).toBe(false);
    expect(await refresh(second.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
  });

  it('notes every replay, inside the leeway or after it; refreshTokenReplays() counts both providers', async () => {
    await refresh(first.refresh_token);
    expect(emulator.calls.at(-1)?.refreshTokenReplayed).toBeUndefined();
    await refresh(first.refresh_token);
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'bitbucket-token',
      status: 200,
      refreshTokenReused: true,
      refreshTokenReplayed: true,
    });
    emulator.clock.advance(10 * MINUTE);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    expect(emulator.calls.at(-1)).toMatchObject({ status: 400, refreshTokenReplayed: true });
    expect(emulator.count('bitbucket-token', { refreshTokenReplayed: true })).toBe(2);

    const atlassian = emulator.issueTokens({ scopes: ['read:me', 'offline_access'] });
    const atlassianRefresh = () =>
      fetch(`${emulator.authBaseURL}/oauth/token`, {
        method: 'POST',
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: 'emulator-client-id',
          client_secret: 'emulator-client-secret',
          refresh_token: atlassian.refresh_token!,
        }),
      });
    await atlassianRefresh();
    await atlassianRefresh();
    expect(emulator.refreshTokenReplays()).toBe(3);
  });

  it('with refreshLeewaySeconds 0, a replay is refused at once and still noted', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 0 });
    first = emulator.issueBitbucketTokens();
    expect((await refresh(first.refresh_token)).status).toBe(200);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    expect(emulator.count('bitbucket-token', { refreshTokenReplayed: true, status: 400 })).toBe(1);
    expect(emulator.count('bitbucket-token', { refreshTokenReused: true })).toBe(0);
    expect(emulator.refreshTokenReplays()).toBe(1);
  });

  it('honours refreshLeewaySeconds, shared with Atlassian', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({ refreshLeewaySeconds: 30 });
    first = emulator.issueBitbucketTokens();
    await refresh(first.refresh_token);
    emulator.clock.advance(30 * 1000);
    expect((await refresh(first.refresh_token)).body).toEqual(INVALID_GRANT);
  });

  it("calls an unknown refresh token, or another consumer's, an invalid_request", async () => {
    const unknown = {
      status: 400,
      body: { error: 'invalid_request', error_description: 'Invalid refresh_token' },
    };
    expect(await refresh('not-a-token')).toEqual(unknown);
    emulator.registerBitbucketConsumer({
      key: 'other',
      secret: 'x',
      callbackURL: 'http://localhost/cb',
    });
    expect(
      await refresh(first.refresh_token, `Basic ${Buffer.from('other:x').toString('base64')}`),
    ).toEqual(unknown);
    expect((await refresh(first.refresh_token)).status).toBe(200);
  });

  it('expires a refresh token unused for 90 days (bitbucketInactivityExpirySeconds)', async () => {
    const keep = emulator.issueBitbucketTokens();
    emulator.clock.advance(90 * DAY - 1);
    expect((await refresh(keep.refresh_token)).status).toBe(200);
    emulator.clock.advance(1);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
  });

  it('takes bitbucketInactivityExpirySeconds and bitbucketAccessTokenTtlSeconds from the options', async () => {
    await emulator.stop();
    emulator = await AtlassianEmulator.start({
      bitbucketInactivityExpirySeconds: 3600,
      bitbucketAccessTokenTtlSeconds: 60,
    });
    first = emulator.issueBitbucketTokens();
    expect(first.expires_in).toBe(60);
    emulator.clock.advance(60 * 1000);
    expect(emulator.isBitbucketAccessTokenValid(first.access_token)).toBe(false);
    emulator.clock.advance(3540 * 1000);
    expect((await refresh(first.refresh_token)).body).toEqual(INVALID_GRANT);
  });

  it('refuses a revoked grant with invalid_grant; Atlassian tokens of the same user live on', async () => {
    const atlassian = emulator.issueTokens({ scopes: ['read:me', 'offline_access'] });
    emulator.revokeBitbucketGrant(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(emulator.isBitbucketAccessTokenValid(first.access_token)).toBe(false);
    expect(await refresh(first.refresh_token)).toEqual({ status: 400, body: INVALID_GRANT });
    expect(emulator.isAccessTokenValid(atlassian.access_token)).toBe(true);
    expect(() => emulator.revokeBitbucketGrant('nobody')).toThrow(/nobody/);
  });
});
