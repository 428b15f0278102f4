/** Error codes of RFC 6749 §5.2 and RFC 6750 §3.1: the only provider `error` values reported as they are. */
const OAUTH_ERROR_CODES = new Set([
  'invalid_request',
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'unsupported_grant_type',
  'invalid_scope',
  'invalid_token',
  'insufficient_scope',
]);

/** A code, a status or a class name: never a message, which may carry provider text. */
const IDENTIFIER = /^[A-Za-z][A-Za-z0-9_.]{0,63}$/;

/**
 * The `error.type` of a failure, low in cardinality and free of secrets: this package's stable error
 * code, a standard OAuth error, the HTTP status, `timeout`, a network error's code, or the class name.
 */
export function errorType(err: unknown): string {
  const { code, oauthError, status, name, cause } = (err ?? {}) as Record<string, unknown>;
  if (typeof code === 'string' && IDENTIFIER.test(code)) return code;
  if (typeof oauthError === 'string' && OAUTH_ERROR_CODES.has(oauthError)) return oauthError;
  if (typeof status === 'number') return String(status);
  if (name === 'TimeoutError' || (cause as { name?: unknown })?.name === 'TimeoutError')
    return 'timeout';
  const causeCode = (cause as { code?: unknown })?.code;
  if (typeof causeCode === 'string' && IDENTIFIER.test(causeCode)) return causeCode;
  if (typeof name === 'string' && IDENTIFIER.test(name)) return name;
  return '_OTHER';
}
