import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError, OAuthProviderError } from '../errors/oauth-callback.error.js';
import type { AppRequest } from '../http/app-request.interface.js';
import type { GetCurrentUserId } from '../options/atlassian-module-options.interface.js';
import { ProviderHttpError } from '../providers/provider-http.js';
import type { OAuthFlowState } from '../state/oauth-flow-state.interface.js';
import type { OAuthStateCookieStore } from '../state/oauth-state-cookie.store.js';
import { wrongHostRedirect } from './login-origin.js';
import {
  isCallbackPath,
  quoteUntrusted,
  requestPath,
  safeReturnTo,
  singleParam,
} from './sign-in-request.js';

/** What the login and callback routes of one provider share. */
export interface OAuthFlowContext {
  providerName: string;
  callbackURL: URL;
  stateStore: OAuthStateCookieStore;
  /** Name of the marker cookie that stops a wrong-host redirect from looping (see `wrongHostRedirect`). */
  hopCookieName: string;
  getCurrentUserId: GetCurrentUserId;
  /** Scopes every authorization asks for. */
  scope: string[];
  /** Scopes the login route's `?scope=` may add (read at each request). */
  incrementalScopes: () => ReadonlySet<string>;
}

/** What the strategy does with a request to a guarded route. */
export type AuthenticatePlan =
  { redirect: string } | { redirect?: undefined; state?: OAuthFlowState; scope?: string[] };

/** Parameters only a provider's redirect to the callback carries: a login route given them is refused. */
const CALLBACK_PARAMETERS = ['code', 'state', 'error', 'error_description', 'error_uri'];

/**
 * Decides, before passport-oauth2 runs, what a request to the guarded route is. At the callback it
 * turns a provider error or a missing code into a typed error (passport-oauth2 would redirect to the
 * provider again); at the login route it sends a browser on the wrong host to the callback's origin,
 * then records the flow (sign-in or link, return path) in the state. Anything else is refused with a
 * 4xx and a code: only GET, each parameter once.
 */
export async function prepareAuthenticate(
  req: AppRequest,
  context: OAuthFlowContext,
): Promise<AuthenticatePlan> {
  if (req.method !== 'GET') {
    throw new OAuthCallbackError(
      AtlassianErrorCode.InvalidRequest,
      `The ${context.providerName} sign-in routes take GET only. Start the sign-in again from the app.`,
      405,
    );
  }
  const query = (req.query ?? {}) as Record<string, unknown>;
  if (isCallbackPath(requestPath(req), context.callbackURL.pathname)) {
    return prepareCallback(req, query, context);
  }
  const misplaced = CALLBACK_PARAMETERS.filter((name) => Object.hasOwn(query, name));
  if (misplaced.length > 0) {
    throw new OAuthCallbackError(
      AtlassianErrorCode.InvalidRequest,
      `The login route does not take ${misplaced.join(', ')}: those belong to ${context.providerName}'s redirect to the callback URL (${context.callbackURL.pathname}). Start the sign-in again from the app.`,
    );
  }
  const returnTo = singleParam(query, 'returnTo');
  const extraScopes = requestedScopes(singleParam(query, 'scope'), context);
  const redirect = wrongHostRedirect(req, context.callbackURL, context.hopCookieName);
  if (redirect) return { redirect };
  const linkUserId = await context.getCurrentUserId(req);
  return {
    state: {
      mode: linkUserId ? 'link' : 'sign-in',
      linkUserId,
      returnTo: safeReturnTo(returnTo),
    },
    ...(extraScopes.length > 0 && { scope: [...new Set([...context.scope, ...extraScopes])] }),
  };
}

function prepareCallback(
  req: AppRequest,
  query: Record<string, unknown>,
  context: OAuthFlowContext,
): AuthenticatePlan {
  const error = singleParam(query, 'error');
  const code = singleParam(query, 'code');
  singleParam(query, 'state');
  if (error !== undefined) {
    context.stateStore.clear(req);
    const description = singleParamOrNone(query, 'error_description');
    const said =
      description !== undefined && description !== ''
        ? ` (its description, unverified: ${quoteUntrusted(description)})`
        : '';
    if (error === 'access_denied') {
      throw new OAuthCallbackError(
        AtlassianErrorCode.AccessDenied,
        `${context.providerName} access was not granted${said}. Nothing was linked: start the sign-in again and accept to link the account.`,
        401,
      );
    }
    throw new OAuthCallbackError(
      AtlassianErrorCode.AuthorizationError,
      `${context.providerName} sent back the error ${quoteUntrusted(error, 64)}${said}. Nothing was linked: check the app's scopes and callback URL in the developer console, then start the sign-in again.`,
    );
  }
  if (code === undefined || code === '') {
    throw new OAuthCallbackError(
      AtlassianErrorCode.MissingCode,
      `The callback has no "code" parameter: it must come from ${context.providerName}'s redirect. Start the sign-in again.`,
    );
  }
  return {};
}

/** An optional descriptive parameter: a repeated one is ignored rather than refused. */
function singleParamOrNone(query: Record<string, unknown>, name: string): string | undefined {
  const value = Object.hasOwn(query, name) ? query[name] : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** A state-store check: a link must be finished by the app user who started it. */
export function assertSameLinkUser(
  getCurrentUserId: GetCurrentUserId,
): (req: AppRequest, flow: OAuthFlowState) => Promise<void> {
  return async (req, flow) => {
    if (flow.mode === 'link' && (await getCurrentUserId(req)) !== flow.linkUserId) {
      throw new OAuthCallbackError(
        AtlassianErrorCode.LinkUserMismatch,
        'The user who started linking is not the one signed in now. Sign in again and retry the link.',
      );
    }
  };
}

/** Token exchange failures, as the errors the guard answers with. */
export function toTokenExchangeError(err: unknown, providerName: string): Error {
  if (err instanceof ProviderHttpError && err.kind === 'refused') {
    return new OAuthCallbackError(
      AtlassianErrorCode.CodeRejected,
      `${providerName} refused the authorization code (${describeProviderFailure(err)}). Start the sign-in again.`,
      400,
      { cause: err },
    );
  }
  return new OAuthProviderError(
    AtlassianErrorCode.ProviderUnavailable,
    `${providerName}'s token endpoint failed (${describeProviderFailure(err)}). Try again later.`,
    { cause: err },
  );
}

/** Profile and site lookups after the exchange, as the error the guard answers with. */
export function toProfileError(err: unknown, providerName: string): Error {
  return new OAuthProviderError(
    AtlassianErrorCode.ProfileFetchFailed,
    `Could not read the ${providerName} profile (${describeProviderFailure(err)}). Try again later.`,
    { cause: err },
  );
}

/**
 * A failed provider call in words: the status and OAuth error code, and the provider's own text only
 * bounded, quoted and labelled, since an upstream body is not ours to echo.
 */
export function describeProviderFailure(err: unknown): string {
  if (err instanceof ProviderHttpError && err.status !== undefined) {
    const said = err.oauthErrorDescription ?? err.oauthError;
    return `HTTP ${err.status}${said ? `, provider text, unverified: ${quoteUntrusted(said)}` : ''}`;
  }
  return quoteUntrusted(err instanceof Error ? err.message : String(err));
}

/** Incremental consent: `?scope=a b` on the login route adds scopes, each from the allow-list. */
function requestedScopes(value: string | undefined, context: OAuthFlowContext): string[] {
  if (value === undefined) return [];
  const requested = [...new Set(value.split(/[\s,]+/).filter((scope) => scope !== ''))];
  const allowed = context.incrementalScopes();
  const refused = requested.filter(
    (scope) => !allowed.has(scope) && !context.scope.includes(scope),
  );
  if (refused.length > 0) {
    throw new OAuthCallbackError(
      AtlassianErrorCode.ScopeNotAllowed,
      `The login route was asked for ${refused.length} scope(s) outside the incremental-consent allow-list (${refused
        .slice(0, 5)
        .map((scope) => quoteUntrusted(scope, 64))
        .join(
          ', ',
        )}). Name them in @RequireAtlassianScopes() or atlassian.incrementalScopes, or start the sign-in from the app.`,
    );
  }
  return requested;
}
