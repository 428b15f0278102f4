import { Inject, Injectable, type Type } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as OAuth2Strategy } from 'passport-oauth2';
import { AccountLinkService } from '../accounts/account-link.service.js';
import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import type { AuthenticatedUser } from '../accounts/linked-account.view.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import type { AppRequest } from '../http/app-request.interface.js';
import { signInResponseOf } from '../http/sign-in-response.js';
import type {
  NormalizedAtlassianOptions,
  NormalizedProviderOptions,
} from '../options/normalized-options.interface.js';
import { postTokenRequest, type TokenRequestStyle } from '../providers/provider-http.js';
import type { ProviderProfile, SiteData } from '../providers/provider-profile.interface.js';
import { toTokenSet } from '../providers/token-response.js';
import { OAuthStateCookieStore, verifiedFlowOf } from '../state/oauth-state-cookie.store.js';
import { TokenCipher } from '../crypto/token-cipher.js';
import {
  assertSameLinkUser,
  prepareAuthenticate,
  toProfileError,
  toTokenExchangeError,
  type OAuthFlowContext,
} from './oauth-flow.support.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import { declaredAtlassianScopes } from '../guards/declared-scopes.js';
import { assertActiveAccount } from '../accounts/active-account.js';

/** What one OAuth provider brings to the shared strategy: its settings, parameters and identity calls. */
export interface OAuthProviderAdapter {
  id: LinkedAccountProvider;
  displayName: string;
  /** The provider's normalised settings; throws when the module was not configured for it. */
  settings(options: NormalizedAtlassianOptions): NormalizedProviderOptions;
  authorizationParams: Readonly<Record<string, string>>;
  tokenRequestStyle: TokenRequestStyle;
  /** The profile, fetched at `now()`. */
  loadProfile(
    settings: NormalizedProviderOptions,
    accessToken: string,
    timeoutMs: number,
    now: () => Date,
  ): Promise<ProviderProfile>;
  /** Sites the grant covers, or `null` for a provider without sites. */
  loadSites(
    settings: NormalizedProviderOptions,
    accessToken: string,
    timeoutMs: number,
  ): Promise<SiteData[] | null>;
}

type TokenCallback = (
  err: unknown,
  accessToken?: string,
  refreshToken?: string,
  params?: Record<string, unknown>,
) => void;

/**
 * The passport-oauth2 strategy every provider shares: state and PKCE verifier in an encrypted cookie,
 * the code exchanged with a timeout in the provider's body style, then the profile (and sites) read
 * and everything stored through {@link AccountLinkService}.
 */
export function OAuthProviderStrategy(
  adapter: OAuthProviderAdapter,
): Type<InstanceType<ReturnType<typeof PassportStrategy>>> {
  @Injectable()
  class ProviderStrategy extends PassportStrategy(OAuth2Strategy, adapter.id, 6) {
    private readonly flow: OAuthFlowContext;
    private readonly settings: NormalizedProviderOptions;

    constructor(
      @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
      private readonly accounts: AccountLinkService,
      private readonly clock: AtlassianClock,
    ) {
      const settings = adapter.settings(options);
      const callbackURL = new URL(settings.callbackURL);
      const cookieName = `${options.stateCookie.name}_${adapter.id}`;
      const stateStore = new OAuthStateCookieStore(
        new TokenCipher(options.encryptionKeys, 'oauth-state'),
        {
          ...options.stateCookie,
          name: cookieName,
          path: callbackURL.pathname,
          callbackOrigin: callbackURL.origin,
          assertFlow: assertSameLinkUser(options.getCurrentUserId),
        },
      );
      super({
        authorizationURL: settings.authorizationURL,
        tokenURL: settings.tokenURL,
        clientID: settings.clientId,
        clientSecret: settings.clientSecret,
        callbackURL: settings.callbackURL,
        scope: settings.scope.length > 0 ? settings.scope : undefined,
        scopeSeparator: ' ',
        pkce: settings.pkce,
        state: true,
        store: stateStore as never,
        passReqToCallback: true,
      });
      this.settings = settings;
      const incrementalScopes = settings.incrementalScopes;
      this.flow = {
        providerName: adapter.displayName,
        callbackURL,
        stateStore,
        hopCookieName: `${cookieName}_hop`,
        getCurrentUserId: options.getCurrentUserId,
        scope: settings.scope,
        incrementalScopes: () => new Set(incrementalScopes ?? declaredAtlassianScopes),
      };
      // passport-oauth2's own client has no timeout and only speaks form bodies with the secret inside.
      (
        this as unknown as { _oauth2: { getOAuthAccessToken: unknown } }
      )._oauth2.getOAuthAccessToken = (
        code: string,
        params: Record<string, string>,
        done: TokenCallback,
      ) =>
        this.exchangeCode(code, params).then(
          (raw) => done(null, raw.access_token as string, raw.refresh_token as string, raw),
          done,
        );
    }

    override authorizationParams(): object {
      return { ...adapter.authorizationParams };
    }

    override userProfile(
      accessToken: string,
      done: (err?: unknown, profile?: ProviderProfile) => void,
    ): void {
      adapter
        .loadProfile(this.settings, accessToken, this.options.httpTimeoutMs, () => this.clock.now())
        .then(
          (profile) => done(null, profile),
          (err) => done(toProfileError(err, adapter.displayName)),
        );
    }

    /** Classifies the request (login or callback) before passport-oauth2 handles it. */
    override authenticate(req: AppRequest, options?: object): void {
      // passport's own redirect writes with res.setHeader and res.end, which a Fastify reply lacks.
      this.redirect = (url: string, status?: number) => signInResponseOf(req).redirect(url, status);
      prepareAuthenticate(req, this.flow).then(
        ({ redirect, ...extra }) =>
          redirect === undefined
            ? // passport's typings name Express's request; it reads only what AppRequest has.
              super.authenticate(req as Parameters<OAuth2Strategy['authenticate']>[0], {
                ...options,
                ...extra,
              })
            : this.redirect(redirect, 302),
        (err) => this.error(err),
      );
    }

    /**
     * Called by passport after the exchange and the profile: refuses an inactive account when the
     * options say so (before anything is read or stored), reads the sites and stores the link.
     */
    async validate(
      req: AppRequest,
      accessToken: string,
      _refreshToken: string,
      params: Record<string, unknown>,
      profile: ProviderProfile,
    ): Promise<AuthenticatedUser> {
      if (this.options.requireActiveAccount) assertActiveAccount(profile, adapter.displayName);
      const sites = await adapter
        .loadSites(this.settings, accessToken, this.options.httpTimeoutMs)
        .catch((err) => Promise.reject(toProfileError(err, adapter.displayName)));
      return this.accounts.completeSignIn({
        provider: adapter.id,
        profile,
        tokens: toTokenSet(params, this.clock.now(), this.settings.scope),
        sites,
        flow: verifiedFlowOf(req),
        request: req,
      });
    }

    private async exchangeCode(
      code: string,
      params: Record<string, string>,
    ): Promise<Record<string, unknown>> {
      const { clientId, clientSecret, tokenURL } = this.settings;
      try {
        return await postTokenRequest(
          tokenURL,
          { ...params, code },
          { provider: adapter.id, clientId, clientSecret },
          adapter.tokenRequestStyle,
          this.options.httpTimeoutMs,
        );
      } catch (err) {
        throw toTokenExchangeError(err, adapter.displayName);
      }
    }
  }
  return ProviderStrategy;
}
