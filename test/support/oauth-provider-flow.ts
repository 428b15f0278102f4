import { expect } from 'vitest';
import { TokenCipher, type AuthenticatedUser } from '../../src/index.js';
import type { AtlassianEmulator, EmulatorRoute } from '../../src/testing/index.js';
import { BrowserSession } from './browser-session.js';
import { plainTokens, storedAccounts } from './stored-accounts.js';
import type { TestApp } from './test-app.js';

/** What differs between the two providers in a sign-in test through the fixture app. */
export interface ProviderUnderTest {
  id: 'atlassian' | 'bitbucket';
  displayName: string;
  /** The fixture app's login route. */
  loginPath: string;
  callbackPath: string;
  /** The state cookie as the module names it by default: prefix + `_` + provider id. */
  stateCookie: string;
  /** Emulator routes of the authorize page, the code exchange and the first identity call after it. */
  authorizeRoute: EmulatorRoute;
  tokenRoute: EmulatorRoute;
  profileRoute: EmulatorRoute;
  /** Path of that identity call, for test names. */
  profilePath: string;
  /** What the emulator answers a used or unknown code with (Atlassian 403, Bitbucket 400). */
  codeRejectedStatus: number;
}

export const ATLASSIAN_UNDER_TEST: ProviderUnderTest = {
  id: 'atlassian',
  displayName: 'Atlassian',
  loginPath: '/auth/atlassian',
  callbackPath: '/auth/atlassian/callback',
  stateCookie: 'nestjs_atlassian_oauth_atlassian',
  authorizeRoute: 'authorize',
  tokenRoute: 'token',
  profileRoute: 'me',
  profilePath: '/me',
  codeRejectedStatus: 403,
};

export const BITBUCKET_UNDER_TEST: ProviderUnderTest = {
  id: 'bitbucket',
  displayName: 'Bitbucket',
  loginPath: '/auth/bitbucket',
  callbackPath: '/auth/bitbucket/callback',
  stateCookie: 'nestjs_atlassian_oauth_bitbucket',
  authorizeRoute: 'bitbucket-authorize',
  tokenRoute: 'bitbucket-token',
  profileRoute: 'bitbucket-user',
  profilePath: '/2.0/user',
  codeRejectedStatus: 400,
};

/** What every error body must be: the status, a stable code, a message; nothing else. */
export type ErrorBody = { statusCode: number; code: string; message: string };

/** A browser going through one provider's login, consent and callback on the fixture app, over real HTTP. */
export class OAuthFlowDriver {
  constructor(
    readonly provider: ProviderUnderTest,
    private readonly app: () => TestApp,
    private readonly emulator: () => AtlassianEmulator,
  ) {}

  /** The callback URL the app registered for this provider. */
  get callbackURL(): string {
    return `${this.app().url}${this.provider.callbackPath}`;
  }

  /** Opens the login route; answers the session, the authorize URL and the state it carries. */
  async startLogin(
    session = new BrowserSession(),
    headers: Record<string, string> = {},
    query = '',
  ) {
    const login = await session.request(`${this.app().url}${this.provider.loginPath}${query}`, {
      headers,
    });
    expect(login.status).toBe(302);
    const authorizeURL = login.headers.get('location')!;
    expect(session.cookie(this.provider.stateCookie)).toBeDefined();
    return { session, authorizeURL, state: new URL(authorizeURL).searchParams.get('state')! };
  }

  /** Login, consent on the emulator (as `accountId`, default its signed-in user), callback. */
  async signIn(
    session = new BrowserSession(),
    headers: Record<string, string> = {},
    options: { query?: string; accountId?: string } = {},
  ) {
    const { authorizeURL } = await this.startLogin(session, headers, options.query);
    const cookie = session.cookie(this.provider.stateCookie)!;
    const callbackURL = await this.emulator().approve(
      authorizeURL,
      options.accountId ? { accountId: options.accountId } : {},
    );
    const response = await session.request(callbackURL, { headers });
    return { session, response, callbackURL, cookie, authorizeURL: new URL(authorizeURL) };
  }

  /** A sign-in that must succeed; answers `req.user`. */
  async signInOk(
    headers: Record<string, string> = {},
    options: { accountId?: string } = {},
  ): Promise<AuthenticatedUser> {
    const { response } = await this.signIn(new BrowserSession(), headers, options);
    const text = await response.text();
    expect({ status: response.status, body: text }).toMatchObject({ status: 200 });
    return JSON.parse(text) as AuthenticatedUser;
  }
}

/** Every row of both tables and their counts, to prove that a failed callback stored nothing. */
export async function storedRows(app: TestApp) {
  const count = async (table: string) =>
    Number((await app.dataSource.query(`SELECT COUNT(*) AS n FROM ${table}`))[0].n);
  return {
    accountCount: await count('atlassian_linked_accounts'),
    siteCount: await count('atlassian_sites'),
    accounts: await app.dataSource.query('SELECT * FROM atlassian_linked_accounts ORDER BY "id"'),
    sites: await app.dataSource.query('SELECT * FROM atlassian_sites ORDER BY "id"'),
  };
}

/** Known accounts (tokens, version, updatedAt included) and their sites are exactly as they were. */
export async function expectNothingStored(
  app: TestApp,
  before: Awaited<ReturnType<typeof storedRows>>,
): Promise<void> {
  const after = await storedRows(app);
  expect(after.accountCount).toBe(before.accountCount);
  expect(after.siteCount).toBe(before.siteCount);
  expect(after.accounts).toEqual(before.accounts);
  expect(after.sites).toEqual(before.sites);
}

/** Every token the app has stored, decrypted with its own cipher. */
export async function storedPlainTokens(app: TestApp): Promise<string[]> {
  const cipher = app.app.get(TokenCipher);
  return (await storedAccounts(app.dataSource)).flatMap((row) => {
    const { accessToken, refreshToken } = plainTokens(cipher, row);
    return [accessToken, refreshToken].filter((token): token is string => !!token);
  });
}

/**
 * The exact status and code, a message that says what to do, no redirect (above all not back to the
 * provider), and no token: neither one the app stored, nor a JWT-shaped string (the emulator's codes and
 * tokens are JWT-shaped), nor a token field.
 */
export async function expectOAuthError(
  response: Response,
  status: number,
  code: string,
  advice: RegExp,
  knownTokens: Iterable<string> = [],
): Promise<ErrorBody> {
  const text = await response.text();
  expect({ status: response.status, body: text }).toMatchObject({ status });
  expect(response.headers.get('location')).toBeNull();
  const body = JSON.parse(text) as ErrorBody;
  expect(body).toEqual({ statusCode: status, code, message: expect.stringMatching(advice) });
  expect(text).not.toMatch(/access_token|refresh_token|eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]{8,}/);
  for (const token of knownTokens) expect(text.includes(token)).toBe(false);
  return body;
}

/** The URL with its query changed. */
export function withParams(url: string, change: (params: URLSearchParams) => void): string {
  const next = new URL(url);
  change(next.searchParams);
  return next.toString();
}
