import { describe, expect, it } from 'vitest';
import { toTokenSet } from './token-response.js';

const NOW = new Date('2026-11-01T12:00:00.000Z');
const inSeconds = (seconds: number) => new Date(NOW.getTime() + seconds * 1000);

describe('toTokenSet', () => {
  it("reads Atlassian's response: both tokens, expiry from expires_in, scope split on spaces", () => {
    expect(
      toTokenSet(
        {
          access_token: 'at-1',
          refresh_token: 'rt-1',
          expires_in: 3600,
          token_type: 'Bearer',
          scope: 'read:me offline_access read:jira-work',
        },
        NOW,
      ),
    ).toEqual({
      accessToken: 'at-1',
      refreshToken: 'rt-1',
      accessTokenExpiresAt: inSeconds(3600),
      scopes: ['read:me', 'offline_access', 'read:jira-work'],
    });
  });

  it("reads Bitbucket's older `scopes`, and a list written with commas", () => {
    const set = toTokenSet(
      { access_token: 'at', expires_in: 7200, scopes: 'account, repository  pullrequest' },
      NOW,
    );
    expect(set.scopes).toEqual(['account', 'repository', 'pullrequest']);
    expect(set.accessTokenExpiresAt).toEqual(inSeconds(7200));
  });

  it('prefers `scope` when a response carries both', () => {
    expect(
      toTokenSet({ access_token: 'at', scope: 'account email', scopes: 'repository' }, NOW).scopes,
    ).toEqual(['account', 'email']);
  });

  it('falls back to the given scopes only when the response names none (an empty scope is none granted)', () => {
    expect(toTokenSet({ access_token: 'at' }, NOW, ['read:me']).scopes).toEqual(['read:me']);
    expect(toTokenSet({ access_token: 'at' }, NOW).scopes).toEqual([]);
    expect(toTokenSet({ access_token: 'at', scope: '' }, NOW, ['read:me']).scopes).toEqual([]);
    expect(toTokenSet({ access_token: 'at', scope: 42 }, NOW, ['read:me']).scopes).toEqual([
      'read:me',
    ]);
  });

  it('takes expires_in as a number or a numeric string', () => {
    expect(toTokenSet({ access_token: 'at', expires_in: '60' }, NOW).accessTokenExpiresAt).toEqual(
      inSeconds(60),
    );
  });

  it.each([
    ['missing', undefined],
    ['zero', 0],
    ['negative', -5],
    ['not a number', 'soon'],
    ['null', null],
  ])('leaves the expiry unknown (null) when expires_in is %s', (_label, expiresIn) => {
    expect(
      toTokenSet({ access_token: 'at', expires_in: expiresIn }, NOW).accessTokenExpiresAt,
    ).toBeNull();
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['not a string', 123],
  ])('has no refresh token (null) when refresh_token is %s', (_label, refreshToken) => {
    expect(
      toTokenSet({ access_token: 'at', refresh_token: refreshToken }, NOW).refreshToken,
    ).toBeNull();
  });

  it.each([
    ['missing', {}],
    ['empty', { access_token: '' }],
    ['not a string', { access_token: 42 }],
  ])('throws a TypeError when access_token is %s', (_label, params) => {
    expect(() => toTokenSet(params, NOW)).toThrow(
      new TypeError('token response has no access_token'),
    );
  });
});
