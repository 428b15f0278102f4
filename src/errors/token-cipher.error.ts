import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';

/** A stored token could not be decrypted: unknown key id, or a ciphertext that fails authentication. */
export class TokenCipherError extends AtlassianError {
  constructor(code: AtlassianErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, 500, options);
  }
}
