import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { TokenCipherError } from '../errors/token-cipher.error.js';
import type { EncryptionKey } from '../options/normalized-options.interface.js';

const FORMAT_VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a ciphertext is for; bound into it so that one kind can never be passed off as another. */
export type CipherPurpose = 'token' | 'oauth-state';

/**
 * AES-256-GCM with the key id inside every ciphertext (`v1:<keyId>:<base64url(iv|ciphertext|tag)>`):
 * the first key encrypts, every key decrypts, so keys rotate by adding a new one in front.
 * Each purpose uses its own subkey (HKDF), so a leaked cookie key is not a token key.
 */
export class TokenCipher {
  private readonly subkeys: Map<string, Buffer>;
  private readonly currentKeyId: string;

  constructor(
    keys: EncryptionKey[],
    private readonly purpose: CipherPurpose = 'token',
  ) {
    if (keys.length === 0) throw new TypeError('TokenCipher needs at least one key');
    this.currentKeyId = keys[0].id;
    this.subkeys = new Map(keys.map(({ id, key }) => [id, deriveSubkey(key, purpose)]));
  }

  /** Encrypts with the current (first) key. */
  encrypt(plaintext: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.subkeys.get(this.currentKeyId)!, iv);
    cipher.setAAD(this.aad(this.currentKeyId));
    const body = Buffer.concat([iv, cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `${FORMAT_VERSION}:${this.currentKeyId}:${body.toString('base64url')}`;
  }

  /** Decrypts with the key named inside; throws {@link TokenCipherError} when unknown or tampered. */
  decrypt(ciphertext: string): string {
    const [version, keyId, payload, extra] = ciphertext.split(':');
    if (version !== FORMAT_VERSION || !keyId || !payload || extra !== undefined) {
      throw new TokenCipherError(AtlassianErrorCode.CiphertextInvalid, 'Ciphertext is not in the v1:<keyId>:<payload> format.');
    }
    const subkey = this.subkeys.get(keyId);
    if (!subkey) {
      throw new TokenCipherError(
        AtlassianErrorCode.UnknownEncryptionKey,
        `Ciphertext was encrypted with key "${keyId}", which is not in encryptionKeys: keep old keys after the new one until every token is re-encrypted.`,
      );
    }
    const body = Buffer.from(payload, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES) throw new TokenCipherError(AtlassianErrorCode.CiphertextInvalid, 'Ciphertext is too short.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', subkey, body.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad(keyId));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch (cause) {
      throw new TokenCipherError(AtlassianErrorCode.CiphertextInvalid, 'Ciphertext failed authentication: it was altered or made with another key.', { cause });
    }
  }

  /** True when the ciphertext was made with an older key and should be re-encrypted. */
  needsReencryption(ciphertext: string): boolean {
    return ciphertext.split(':')[1] !== this.currentKeyId;
  }

  private aad(keyId: string): Buffer {
    return Buffer.from(`nestjs-atlassian:${this.purpose}:${FORMAT_VERSION}:${keyId}`);
  }
}

function deriveSubkey(key: Buffer, purpose: CipherPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `nestjs-atlassian ${purpose}`, 32));
}
