import { createHash, randomBytes } from 'node:crypto';
import type { Request } from 'express';
import { describe, expect, it } from 'vitest';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { AtlassianModuleOptions } from './atlassian-module-options.interface.js';
import { normalizeOptions } from './normalize-options.js';

const KEY = randomBytes(32);

function options(
  overrides: Partial<AtlassianModuleOptions> = {},
  atlassian: Partial<AtlassianModuleOptions['atlassian']> = {},
): AtlassianModuleOptions {
  return {
    atlassian: {
      clientId: 'client',
      clientSecret: 'secret',
      callbackURL: 'https://app.example.com/auth/atlassian/callback',
      ...atlassian,
    },
    encryptionKeys: [KEY.toString('base64')],
    ...overrides,
  };
}

function request(user: unknown): Request {
  return { user } as unknown as Request;
}

describe('normalizeOptions', () => {
  describe('defaults', () => {
    it('applies every default of the Atlassian client', () => {
      expect(normalizeOptions(options()).atlassian).toEqual({
        clientId: 'client',
        clientSecret: 'secret',
        callbackURL: 'https://app.example.com/auth/atlassian/callback',
        scope: ['read:me', 'offline_access'],
        pkce: true,
        incrementalScopes: null,
        authorizationURL: 'https://auth.atlassian.com/authorize',
        tokenURL: 'https://auth.atlassian.com/oauth/token',
        apiBaseURL: 'https://api.atlassian.com',
        loginPath: '/auth/atlassian',
      });
    });

    it('leaves Bitbucket off unless configured, and applies its own endpoints, no scopes and no PKCE', () => {
      expect(normalizeOptions(options()).bitbucket).toBeNull();
      const withBitbucket = normalizeOptions({
        ...options(),
        bitbucket: {
          clientId: 'key',
          clientSecret: 'secret',
          callbackURL: 'https://app.example.com/auth/bitbucket/callback',
        },
      });
      expect(withBitbucket.bitbucket).toEqual({
        clientId: 'key',
        clientSecret: 'secret',
        callbackURL: 'https://app.example.com/auth/bitbucket/callback',
        scope: [],
        pkce: false,
        incrementalScopes: [],
        authorizationURL: 'https://bitbucket.org/site/oauth2/authorize',
        tokenURL: 'https://bitbucket.org/site/oauth2/access_token',
        apiBaseURL: 'https://api.bitbucket.org',
        loginPath: '/auth/bitbucket',
      });
      expect(() =>
        normalizeOptions({
          ...options(),
          bitbucket: { clientId: '', clientSecret: 's', callbackURL: 'https://a.b/c' },
        }),
      ).toThrow(/bitbucket\.clientId/);
    });

    it('applies the state cookie and timeout defaults; Secure follows the callback scheme', () => {
      const normalized = normalizeOptions(options());
      expect(normalized.stateCookie).toEqual({
        name: 'nestjs_atlassian_oauth',
        maxAgeSeconds: 600,
        secure: true,
      });
      expect(normalized.httpTimeoutMs).toBe(10_000);
      const local = normalizeOptions(
        options({}, { callbackURL: 'http://127.0.0.1:3000/auth/atlassian/callback' }),
      );
      expect(local.stateCookie.secure).toBe(false);
      const forced = normalizeOptions(
        options(
          { stateCookie: { secure: true, name: 'oauth', maxAgeSeconds: 120 } },
          { callbackURL: 'http://localhost/cb' },
        ),
      );
      expect(forced.stateCookie).toEqual({ name: 'oauth', maxAgeSeconds: 120, secure: true });
    });

    it("adds the required scopes once, in front of the app's own, without duplicates", () => {
      const { scope } = normalizeOptions(
        options({}, { scope: ['read:jira-work', 'offline_access', 'read:jira-work'] }),
      ).atlassian;
      expect(scope).toEqual(['read:me', 'offline_access', 'read:jira-work']);
    });

    it('keeps pkce: false', () => {
      expect(normalizeOptions(options({}, { pkce: false })).atlassian.pkce).toBe(false);
    });

    it('makes the refresh lease cover the provider call and the whole store budget, under the reuse leeway', () => {
      const { tokens } = normalizeOptions(options());
      expect(tokens).toMatchObject({
        storeBudgetMs: 240_000,
        refreshLeaseMs: 10_000 + 240_000 + 5_000,
        refreshWaitMs: 25_000,
      });
      expect(
        normalizeOptions(options({ httpTimeoutMs: 2_000, tokens: { storeBudgetMs: 1_000 } })).tokens
          .refreshLeaseMs,
      ).toBe(8_000);
    });

    it('resolves a new app user as a fresh UUID by default', async () => {
      const { resolveUser } = normalizeOptions(options());
      const context = { provider: 'atlassian', profile: {} as never, request: request(undefined) };
      const [a, b] = [await resolveUser(context), await resolveUser(context)];
      expect(a).toMatch(/^[0-9a-f-]{36}$/);
      expect(a).not.toBe(b);
    });

    it('reads the signed-in user from req.user.userId, else req.user.id, when it is a non-empty string', async () => {
      const { getCurrentUserId } = normalizeOptions(options());
      expect(await getCurrentUserId(request({ userId: 'u1', id: 'other' }))).toBe('u1');
      expect(await getCurrentUserId(request({ id: 'u2' }))).toBe('u2');
      expect(await getCurrentUserId(request({ id: 42 }))).toBeUndefined();
      expect(await getCurrentUserId(request({ userId: '' }))).toBeUndefined();
      expect(await getCurrentUserId(request(undefined))).toBeUndefined();
    });

    it("keeps the host's own resolveUser and getCurrentUserId", () => {
      const resolveUser = () => 'host-user';
      const getCurrentUserId = () => 'signed-in';
      const normalized = normalizeOptions(options({ resolveUser, getCurrentUserId }));
      expect(normalized.resolveUser).toBe(resolveUser);
      expect(normalized.getCurrentUserId).toBe(getCurrentUserId);
    });
  });

  describe('URLs', () => {
    it('derives the endpoints from authBaseURL and apiBaseURL, trimming trailing slashes', () => {
      const { atlassian } = normalizeOptions(
        options(
          {},
          { authBaseURL: 'http://127.0.0.1:4000//', apiBaseURL: 'http://127.0.0.1:4001/' },
        ),
      );
      expect(atlassian.authorizationURL).toBe('http://127.0.0.1:4000/authorize');
      expect(atlassian.tokenURL).toBe('http://127.0.0.1:4000/oauth/token');
      expect(atlassian.apiBaseURL).toBe('http://127.0.0.1:4001');
    });

    it('keeps explicit authorizationURL and tokenURL as given', () => {
      const { atlassian } = normalizeOptions(
        options(
          {},
          {
            authorizationURL: 'https://sso.example.com/auth',
            tokenURL: 'https://sso.example.com/token',
          },
        ),
      );
      expect(atlassian.authorizationURL).toBe('https://sso.example.com/auth');
      expect(atlassian.tokenURL).toBe('https://sso.example.com/token');
    });

    it('keeps the callback URL exactly, trailing slash included (Atlassian compares it exactly)', () => {
      expect(
        normalizeOptions(options({}, { callbackURL: 'https://app.example.com/cb/' })).atlassian
          .callbackURL,
      ).toBe('https://app.example.com/cb/');
    });
  });

  describe('encryption keys', () => {
    it('accepts a base64 and a hex key, both 32 bytes, and decodes them', () => {
      const hex = randomBytes(32);
      const { encryptionKeys } = normalizeOptions(
        options({ encryptionKeys: [KEY.toString('base64'), hex.toString('hex')] }),
      );
      expect(encryptionKeys.map((k) => k.key)).toEqual([KEY, hex]);
    });

    it('accepts base64url and upper-case hex', () => {
      const bytes = randomBytes(32);
      const { encryptionKeys } = normalizeOptions(
        options({
          encryptionKeys: [
            bytes.toString('base64url'),
            { id: 'upper', key: bytes.toString('hex').toUpperCase() },
          ],
        }),
      );
      expect(encryptionKeys[0].key).toEqual(bytes);
      expect(encryptionKeys[1].key).toEqual(bytes);
    });

    it('derives a stable id from a string key that reveals nothing of it, the same for hex and base64', () => {
      const first = normalizeOptions(options()).encryptionKeys[0].id;
      const again = normalizeOptions(options()).encryptionKeys[0].id;
      const asHex = normalizeOptions(options({ encryptionKeys: [KEY.toString('hex')] }))
        .encryptionKeys[0].id;
      expect(first).toMatch(/^[A-Za-z0-9_-]{8}$/);
      expect(again).toBe(first);
      expect(asHex).toBe(first);
      expect(first).toBe(createHash('sha256').update(KEY).digest('base64url').slice(0, 8));
      expect(KEY.toString('base64')).not.toContain(first);
      expect(
        normalizeOptions(options({ encryptionKeys: [randomBytes(32).toString('base64')] }))
          .encryptionKeys[0].id,
      ).not.toBe(first);
    });

    it('keeps named keys with their ids, in order (the first encrypts)', () => {
      const other = randomBytes(32);
      const { encryptionKeys } = normalizeOptions(
        options({
          encryptionKeys: [
            { id: '2026-05', key: other.toString('base64') },
            { id: 'old_key', key: KEY.toString('hex') },
          ],
        }),
      );
      expect(encryptionKeys).toEqual([
        { id: '2026-05', key: other },
        { id: 'old_key', key: KEY },
      ]);
    });
  });

  describe('invalid options', () => {
    const key16 = randomBytes(16).toString('base64');
    it.each<[string, () => AtlassianModuleOptions, string, RegExp]>([
      ['no options at all', () => undefined as never, '(root)', /forRoot/],
      [
        'no atlassian section',
        () => ({ ...options(), atlassian: undefined as never }),
        'atlassian',
        /clientId, clientSecret, callbackURL/,
      ],
      [
        'no clientId',
        () => options({}, { clientId: undefined as never }),
        'atlassian.clientId',
        /developer console/,
      ],
      [
        'a blank clientId',
        () => options({}, { clientId: '   ' }),
        'atlassian.clientId',
        /developer console/,
      ],
      [
        'an empty clientSecret',
        () => options({}, { clientSecret: '' }),
        'atlassian.clientSecret',
        /developer console/,
      ],
      [
        'a callbackURL that is not a URL',
        () => options({}, { callbackURL: 'not a url' }),
        'atlassian.callbackURL',
        /absolute http\(s\) URL/,
      ],
      [
        'an ftp callbackURL',
        () => options({}, { callbackURL: 'ftp://x' }),
        'atlassian.callbackURL',
        /absolute http\(s\) URL/,
      ],
      [
        'a relative callbackURL',
        () => options({}, { callbackURL: '/auth/atlassian/callback' }),
        'atlassian.callbackURL',
        /absolute http\(s\) URL/,
      ],
      [
        'an authBaseURL that is not a URL',
        () => options({}, { authBaseURL: 'auth.atlassian.com' }),
        'atlassian.authBaseURL',
        /absolute http\(s\) URL/,
      ],
      [
        'an apiBaseURL that is not a URL',
        () => options({}, { apiBaseURL: 'nope' }),
        'atlassian.apiBaseURL',
        /absolute http\(s\) URL/,
      ],
      [
        'a scope with spaces',
        () => options({}, { scope: ['read:jira-work write:jira-work'] }),
        'atlassian.scope',
        /without spaces/,
      ],
      [
        'an empty scope name',
        () => options({}, { scope: [''] }),
        'atlassian.scope',
        /without spaces/,
      ],
      [
        'a scope string instead of an array',
        () => options({}, { scope: 'read:jira-work' as never }),
        'atlassian.scope',
        /array/,
      ],
      [
        'no encryptionKeys',
        () => ({ ...options(), encryptionKeys: undefined as never }),
        'encryptionKeys',
        /openssl rand -base64 32/,
      ],
      [
        'empty encryptionKeys',
        () => options({ encryptionKeys: [] }),
        'encryptionKeys',
        /at least one 32-byte key/,
      ],
      ['an empty key', () => options({ encryptionKeys: [''] }), 'encryptionKeys[0]', /32-byte key/],
      [
        'a 16-byte key',
        () => options({ encryptionKeys: [key16] }),
        'encryptionKeys[0]',
        /16 bytes.*exactly 32.*openssl rand -base64 32/,
      ],
      [
        'a 16-byte named key in second place',
        () => options({ encryptionKeys: [KEY.toString('base64'), { id: 'short', key: key16 }] }),
        'encryptionKeys[1]',
        /16 bytes/,
      ],
      [
        'the same key twice',
        () => options({ encryptionKeys: [KEY.toString('base64'), KEY.toString('hex')] }),
        'encryptionKeys',
        /same id.*its own id/,
      ],
      [
        'two keys with one id',
        () =>
          options({
            encryptionKeys: [
              { id: 'k', key: KEY.toString('base64') },
              { id: 'k', key: randomBytes(32).toString('base64') },
            ],
          }),
        'encryptionKeys',
        /same id/,
      ],
      [
        'a key id with a space',
        () => options({ encryptionKeys: [{ id: 'my key', key: KEY.toString('base64') }] }),
        'encryptionKeys[0].id',
        /letters, digits/,
      ],
      [
        'a key id with a colon',
        () => options({ encryptionKeys: [{ id: 'v1:k', key: KEY.toString('base64') }] }),
        'encryptionKeys[0].id',
        /letters, digits/,
      ],
      [
        'an empty key id',
        () => options({ encryptionKeys: [{ id: '', key: KEY.toString('base64') }] }),
        'encryptionKeys[0].id',
        /letters, digits/,
      ],
      [
        'httpTimeoutMs 0',
        () => options({ httpTimeoutMs: 0 }),
        'httpTimeoutMs',
        /positive whole number/,
      ],
      [
        'httpTimeoutMs 1.5',
        () => options({ httpTimeoutMs: 1.5 }),
        'httpTimeoutMs',
        /positive whole number/,
      ],
      [
        'stateCookie.maxAgeSeconds -1',
        () => options({ stateCookie: { maxAgeSeconds: -1 } }),
        'stateCookie.maxAgeSeconds',
        /positive whole number/,
      ],
      [
        'a lease shorter than the call and the store budget',
        () =>
          options({
            httpTimeoutMs: 10_000,
            tokens: { storeBudgetMs: 60_000, refreshLeaseMs: 65_000 },
          }),
        'tokens.refreshLeaseMs',
        /httpTimeoutMs \+ tokens.storeBudgetMs \(70000\)/,
      ],
      [
        'a store budget past the reuse leeway',
        () => options({ tokens: { storeBudgetMs: 600_000 } }),
        'tokens.refreshLeaseMs',
        /600-second refresh token reuse leeway.*Lower tokens.storeBudgetMs/,
      ],
      [
        'keepAliveAfterDays 90',
        () => options({ refreshScheduler: { keepAliveAfterDays: 90 } }),
        'refreshScheduler.keepAliveAfterDays',
        /under 90/,
      ],
    ])('refuses %s, naming the option and the fix', (_label, make, option, fix) => {
      const input = make();
      expect(() => normalizeOptions(input)).toThrow(AtlassianOptionsError);
      expect(() => normalizeOptions(input)).toThrow(
        expect.objectContaining({ option, code: 'atlassian_invalid_options' }),
      );
      expect(() => normalizeOptions(input)).toThrow(`"${option}"`);
      expect(() => normalizeOptions(input)).toThrow(fix);
    });

    it('never puts a key into its message', () => {
      const short = randomBytes(16).toString('base64');
      expect(() => normalizeOptions(options({ encryptionKeys: [short] }))).toThrow(
        expect.objectContaining({ message: expect.not.stringContaining(short) }),
      );
    });
  });
});
