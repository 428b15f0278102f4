import type { Request } from 'express';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError, OAuthProviderError } from '../errors/oauth-callback.error.js';
import type { GetCurrentUserId } from '../options/atlassian-module-options.interface.js';
import { ProviderHttpError } from '../providers/provider-http.js';
import type { OAuthFlowState } from '../state/oauth-flow-state.interface.js';
import type { OAuthStateCookieStore } from '../state/oauth-state-cookie.store.js';

/** What the login and callback routes of one provider share. */
export interface OAuthFlowContext {
  providerName: string;
  callbackPath: string;
  stateStore: OAuthStateCookieStore;
  getCurrentUserId: GetCurrentUserId;
  /** Scopes every authorization asks for. */
  scope: string[];
}

/**
 * Decides, before passport-oauth2 runs, what a request to the guarded route is. At the callback it
 * turns a provider error or a missing code into a typed error (passport-oauth2 would redirect to the
 * provider again); at the login route it records the flow (sign-in or link, return path) in the state.
 */
export async function prepareAuthenticate(
  req: Request,
  context: OAuthFlowContext,
): Promise<{ state?: OAuthFlowState; scope?: string[] }> {
  const query = req.query as Record<string, unknown>;
  if (new URL(req.originalUrl, 'http://localhost').pathname === context.callbackPath) {
    if (typeof query.error === 'string') {
      context.stateStore.clear(req);
      const description =
        typeof query.error_description === 'string' ? `: ${query.error_description}` : '';
      if (query.error === 'access_denied') {
        throw new OAuthCallbackError(
          AtlassianErrorCode.AccessDenied,
          `${context.providerName} access was not granted${description}. Nothing was linked: start the sign-in again and accept to link the account.`,
        );
      }
      throw new OAuthCallbackError(
        AtlassianErrorCode.AuthorizationError,
        `${context.providerName} sent back the error "${query.error}"${description}. Nothing was linked: check the app's scopes and callback URL in the developer console, then start the sign-in again.`,
      );
    }
    if (typeof query.code !== 'string' || query.code === '') {
      throw new OAuthCallbackError(
        AtlassianErrorCode.MissingCode,
        `The callback has no "code" parameter: it must come from ${context.providerName}'s redirect. Start the sign-in again.`,
      );
    }
    return {};
  }
  const linkUserId = await context.getCurrentUserId(req);
  const extraScopes = requestedScopes(query.scope);
  return {
    state: {
      mode: linkUserId ? 'link' : 'sign-in',
      linkUserId,
      returnTo: safeReturnTo(query.returnTo),
    },
    ...(extraScopes.length > 0 && { scope: [...new Set([...context.scope, ...extraScopes])] }),
  };
}

/** A state-store check: a link must be finished by the app user who started it. */
export function assertSameLinkUser(
  getCurrentUserId: GetCurrentUserId,
): (req: Request, flow: OAuthFlowState) => Promise<void> {
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
      `${providerName} refused the authorization code (${err.message}). Start the sign-in again.`,
      400,
      { cause: err },
    );
  }
  return new OAuthProviderError(
    AtlassianErrorCode.ProviderUnavailable,
    `${providerName}'s token endpoint failed (${(err as Error).message}). Try again later.`,
    { cause: err },
  );
}

/** Profile and site lookups after the exchange, as the error the guard answers with. */
export function toProfileError(err: unknown, providerName: string): Error {
  return new OAuthProviderError(
    AtlassianErrorCode.ProfileFetchFailed,
    `Could not read the ${providerName} profile (${(err as Error).message}). Try again later.`,
    { cause: err },
  );
}

/**
 * Only same-site relative paths: anything else would make the login route an open redirect. Control
 * characters are refused too: URL parsers drop tabs and newlines, so `/\t/evil.com` means `//evil.com`.
 */
function safeReturnTo(value: unknown): string | undefined {
  return typeof value === 'string' && /^\/(?![/\\])/.test(value) && !CONTROL_CHARACTERS.test(value)
    ? value
    : undefined;
}

/** What a path to return to must never carry (a header injection, a log forgery). */
// oxlint-disable-next-line no-control-regex -- control characters are exactly what this matches
const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f]/;

/** Incremental consent: `?scope=a b` on the login route adds scopes to the configured ones. */
function requestedScopes(value: unknown): string[] {
  if (typeof value !== 'string') return [];
  return value
    .split(/[\s,]+/)
    .filter((scope) => /^[\w:.-]{1,100}$/.test(scope))
    .slice(0, 50);
}
