import { Inject, Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import type { Request } from 'express';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { AccountLinkService } from '../accounts/account-link.service.js';
import type { AuthenticatedUser } from '../accounts/linked-account.view.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import {
  atlassianProvider,
  mapAtlassianProfile,
  mapAtlassianSites,
  type AtlassianAccessibleResource,
  type AtlassianMeResponse,
} from '../providers/atlassian.provider.js';
import { getJsonWithBearer, postTokenRequest } from '../providers/provider-http.js';
import type { ProviderProfile } from '../providers/provider-profile.interface.js';
import { toTokenSet } from '../providers/token-response.js';
import { OAuthStateCookieStore, verifiedFlowOf } from '../state/oauth-state-cookie.store.js';
import { TokenCipher } from '../tokens/token-cipher.js';
import { assertSameLinkUser, prepareAuthenticate, toProfileError, toTokenExchangeError, type OAuthFlowContext } from './oauth-flow.support.js';

type TokenCallback = (err: unknown, accessToken?: string, refreshToken?: string, params?: Record<string, unknown>) => void;

/**
 * Passport strategy `atlassian`: OAuth 2.0 (3LO) with S256 PKCE, state in an encrypted cookie, then
 * `/me` and the accessible sites, stored through {@link AccountLinkService}. Use it through `AtlassianAuthGuard`.
 */
@Injectable()
export class AtlassianStrategy extends PassportStrategy(OAuth2Strategy, atlassianProvider.id, 6) {
  private readonly flow: OAuthFlowContext;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly accounts: AccountLinkService,
  ) {
    const provider = options.atlassian;
    const callbackPath = new URL(provider.callbackURL).pathname;
    const stateStore = new OAuthStateCookieStore(new TokenCipher(options.encryptionKeys, 'oauth-state'), {
      ...options.stateCookie,
      name: `${options.stateCookie.name}_${atlassianProvider.id}`,
      path: callbackPath,
      assertFlow: assertSameLinkUser(options.getCurrentUserId),
    });
    super({
      authorizationURL: provider.authorizationURL,
      tokenURL: provider.tokenURL,
      clientID: provider.clientId,
      clientSecret: provider.clientSecret,
      callbackURL: provider.callbackURL,
      scope: provider.scope,
      scopeSeparator: ' ',
      pkce: provider.pkce,
      state: true,
      store: stateStore as never,
      passReqToCallback: true,
    });
    this.flow = { providerName: atlassianProvider.displayName, callbackPath, stateStore, getCurrentUserId: options.getCurrentUserId, scope: provider.scope };
    // passport-oauth2's own client has no timeout and only speaks form bodies; Atlassian documents JSON.
    (this as unknown as { _oauth2: { getOAuthAccessToken: unknown } })._oauth2.getOAuthAccessToken = (code: string, params: Record<string, string>, done: TokenCallback) =>
      this.exchangeCode(code, params).then((raw) => done(null, raw.access_token as string, raw.refresh_token as string, raw), done);
  }

  /** Adds `audience` and `prompt=consent` to the authorize URL. */
  override authorizationParams(): object {
    return { ...atlassianProvider.authorizationParams };
  }

  /** Loads `GET /me` after the code exchange. */
  override userProfile(accessToken: string, done: (err?: unknown, profile?: ProviderProfile) => void): void {
    getJsonWithBearer<AtlassianMeResponse>(this.options.atlassian.apiBaseURL + atlassianProvider.mePath, accessToken, this.options.httpTimeoutMs)
      .then(mapAtlassianProfile)
      .then((profile) => done(null, profile), (err) => done(toProfileError(err, atlassianProvider.displayName)));
  }

  /** Classifies the request (login or callback) before passport-oauth2 handles it. */
  override authenticate(req: Request, options?: object): void {
    prepareAuthenticate(req, this.flow).then(
      (extra) => super.authenticate(req, { ...options, ...extra }),
      (err) => this.error(err),
    );
  }

  /** Called by passport after the exchange and `/me`: reads the sites and stores the link. */
  async validate(req: Request, accessToken: string, _refreshToken: string, params: Record<string, unknown>, profile: ProviderProfile): Promise<AuthenticatedUser> {
    const flow = verifiedFlowOf(req);
    const resources = await getJsonWithBearer<AtlassianAccessibleResource[]>(
      this.options.atlassian.apiBaseURL + atlassianProvider.accessibleResourcesPath,
      accessToken,
      this.options.httpTimeoutMs,
    ).catch((err) => Promise.reject(toProfileError(err, atlassianProvider.displayName)));
    return this.accounts.completeSignIn({
      provider: 'atlassian',
      profile,
      tokens: toTokenSet(params, new Date(), this.options.atlassian.scope),
      sites: mapAtlassianSites(resources),
      flow,
      request: req,
    });
  }

  private async exchangeCode(code: string, params: Record<string, string>): Promise<Record<string, unknown>> {
    const { clientId, clientSecret, tokenURL } = this.options.atlassian;
    try {
      return await postTokenRequest(tokenURL, { ...params, code }, { clientId, clientSecret }, atlassianProvider.tokenRequestStyle, this.options.httpTimeoutMs);
    } catch (err) {
      throw toTokenExchangeError(err, atlassianProvider.displayName);
    }
  }
}
