import { AtlassianError, AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError } from '../errors/oauth-callback.error.js';

/**
 * What an OAuth guard answers when passport is done: the user, or an error with a stable code.
 * passport-oauth2 wraps errors from the token exchange in `InternalOAuthError.oauthError`: unwrap them.
 */
export function resolveOAuthResult<TUser>(
  err: unknown,
  user: TUser | false | undefined,
  info: unknown,
  providerName: string,
): TUser {
  const inner = (err as { oauthError?: unknown } | undefined)?.oauthError ?? err;
  if (inner instanceof AtlassianError) throw inner;
  if (err) throw err;
  if (!user) {
    const message = (info as { message?: string } | undefined)?.message;
    throw new OAuthCallbackError(
      AtlassianErrorCode.AccessDenied,
      `${providerName} sign-in did not complete${message ? `: ${message}` : ''}.`,
    );
  }
  return user;
}
