import { inSpan } from './span.js';
import { Attr, SpanName } from './telemetry-names.js';

/**
 * A sign-in callback in the span `atlassian.sign_in` (the code exchange a child). Only the provider's
 * redirect back (`code` or `error` in the query) completes a sign-in: the login route answers with a
 * redirect, on which passport never settles the guard, so it gets no span.
 */
export function traceSignIn<T>(
  provider: string,
  request: { query?: unknown },
  signIn: () => Promise<T>,
): Promise<T> {
  const query = (request.query ?? {}) as Record<string, unknown>;
  if (!('code' in query) && !('error' in query)) return signIn();
  return inSpan(SpanName.SignIn, 'internal', { [Attr.Provider]: provider }, signIn);
}
