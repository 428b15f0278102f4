import { AtlassianError, AtlassianErrorCode } from '../errors/atlassian.error.js';
import { OAuthCallbackError } from '../errors/oauth-callback.error.js';
import { quoteUntrusted } from '../strategies/sign-in-request.js';

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
  // passport-oauth2's own refusals (an `error=` it saw first, a token error body): a 4xx, not a 500.
  const name = (inner as { name?: unknown } | undefined)?.name;
  if (name === 'AuthorizationError' || name === 'TokenError') {
    throw new OAuthCallbackError(
      AtlassianErrorCode.AuthorizationError,
      `${providerName} sign-in failed (${describe(inner)}). Start the sign-in again.`,
      400,
      { cause: err },
    );
  }
  if (err) throw err;
  if (!user) {
    const message = (info as { message?: unknown } | undefined)?.message;
    throw new OAuthCallbackError(
      AtlassianErrorCode.AccessDenied,
      `${providerName} sign-in did not complete${typeof message === 'string' && message !== '' ? ` (unverified: ${quoteUntrusted(message)})` : ''}. Start the sign-in again.`,
    );
  }
  return user;
}

function describe(err: unknown): string {
  const { message, code } = err as { message?: unknown; code?: unknown };
  const text = [code, message].filter((part) => typeof part === 'string' && part !== '').join(': ');
  return text === '' ? 'no detail' : `provider text, unverified: ${quoteUntrusted(text)}`;
}
