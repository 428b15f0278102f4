import { AtlassianErrorCode } from './atlassian.error.js';

/**
 * A stored token or the sign-in cookie could not be decrypted: an unknown key id, or a ciphertext that
 * fails authentication. Not an `HttpException` (nor an {@link AtlassianError}): its message tells an
 * operator which key to put back, so an HTTP client that reaches it gets Nest's bare 500 instead.
 */
export class TokenCipherError extends Error {
  override readonly name = 'TokenCipherError';

  constructor(
    /** Stable machine-readable code. */
    readonly code:
      typeof AtlassianErrorCode.CiphertextInvalid | typeof AtlassianErrorCode.UnknownEncryptionKey,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
