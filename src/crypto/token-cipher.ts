import { createCipheriv, createDecipheriv, hkdfSync } from 'node:crypto';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { TokenCipherError } from '../errors/token-cipher.error.js';
import type { EncryptionKey } from '../options/normalized-options.interface.js';
import { RandomPool } from './random-pool.js';

/** v1: the key id in the authenticated data; v2 also binds where the ciphertext belongs (its row and column). */
const FORMAT_VERSION = 'v2';
const FORMATS = new Set(['v1', 'v2']);
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** What a ciphertext is for; bound into it so that one kind can never be passed off as another. */
export type CipherPurpose = 'token' | 'oauth-state';

/**
 * Where a token ciphertext belongs: bound into it, so that it cannot be moved to another row or column.
 * @internal
 */
export function tokenBinding(accountId: string, column: 'access' | 'refresh'): string {
  return `account:${accountId}:${column}`;
}

/**
 * Where a Bitbucket hook's secret ciphertext belongs: its webhook registration row.
 * @internal
 */
export function webhookSecretBinding(registrationId: string): string {
  return `webhook:${registrationId}:secret`;
}

/**
 * Where a service account's token ciphertext belongs: its row (the service account's name).
 * @internal
 */
export function serviceAccountTokenBinding(name: string): string {
  return `service-account:${name}:access`;
}

/**
 * AES-256-GCM with the key id inside every ciphertext (`v2:<keyId>:<base64url(iv|ciphertext|tag)>`):
 * the first key encrypts, every key decrypts, so keys rotate by adding a new one in front.
 * Each purpose uses its own subkey (HKDF), so a leaked cookie key is not a token key. A v2
 * ciphertext also authenticates its binding (e.g. {@link tokenBinding}): decrypting it anywhere else
 * fails. v1 ciphertexts, made before bindings existed, still decrypt until re-encrypted.
 */
export class TokenCipher {
  private readonly subkeys: Map<string, Buffer>;
  private readonly currentKeyId: string;
  /** A fresh random IV per encryption, drawn from a pooled block of CSPRNG output. */
  private readonly ivs = new RandomPool();

  constructor(
    keys: EncryptionKey[],
    private readonly purpose: CipherPurpose = 'token',
  ) {
    if (keys.length === 0) throw new TypeError('TokenCipher needs at least one key');
    this.currentKeyId = keys[0].id;
    this.subkeys = new Map(keys.map(({ id, key }) => [id, deriveSubkey(key, purpose)]));
  }

  /** The id of the key that encrypts (the first one). */
  get currentKey(): string {
    return this.currentKeyId;
  }

  /** Encrypts with the current (first) key, bound to `binding`. */
  encrypt(plaintext: string, binding = ''): string {
    const iv = this.ivs.take(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.subkeys.get(this.currentKeyId)!, iv);
    cipher.setAAD(this.aad(FORMAT_VERSION, this.currentKeyId, binding));
    const body = Buffer.concat([
      iv,
      cipher.update(plaintext, 'utf8'),
      cipher.final(),
      cipher.getAuthTag(),
    ]);
    return `${FORMAT_VERSION}:${this.currentKeyId}:${body.toString('base64url')}`;
  }

  /** Decrypts with the key named inside; throws {@link TokenCipherError} when unknown, tampered or bound elsewhere. */
  decrypt(ciphertext: string, binding = ''): string {
    const [version, keyId, payload, extra] = ciphertext.split(':');
    if (!FORMATS.has(version) || !keyId || !payload || extra !== undefined) {
      throw new TokenCipherError(
        AtlassianErrorCode.CiphertextInvalid,
        'Ciphertext is not in the v2:<keyId>:<payload> format.',
      );
    }
    const subkey = this.subkeys.get(keyId);
    if (!subkey) {
      throw new TokenCipherError(
        AtlassianErrorCode.UnknownEncryptionKey,
        `Ciphertext was encrypted with key "${keyId}", which is not in encryptionKeys: keep old keys after the new one until every token is re-encrypted.`,
      );
    }
    const body = Buffer.from(payload, 'base64url');
    if (body.length < IV_BYTES + TAG_BYTES)
      throw new TokenCipherError(AtlassianErrorCode.CiphertextInvalid, 'Ciphertext is too short.');
    try {
      const decipher = createDecipheriv('aes-256-gcm', subkey, body.subarray(0, IV_BYTES));
      decipher.setAAD(this.aad(version, keyId, binding));
      decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
      return Buffer.concat([
        decipher.update(body.subarray(IV_BYTES, body.length - TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    } catch (cause) {
      throw new TokenCipherError(
        AtlassianErrorCode.CiphertextInvalid,
        'Ciphertext failed authentication: it was altered, made with another key, or belongs to another row or column.',
        { cause },
      );
    }
  }

  /** True unless the ciphertext is in the current format under the current key. */
  needsReencryption(ciphertext: string): boolean {
    return !ciphertext.startsWith(this.currentPrefix);
  }

  /** How every ciphertext made now begins: `v2:<currentKeyId>:`. */
  get currentPrefix(): string {
    return `${FORMAT_VERSION}:${this.currentKeyId}:`;
  }

  private aad(version: string, keyId: string, binding: string): Buffer {
    const base = `nestjs-atlassian:${this.purpose}:${version}:${keyId}`;
    return Buffer.from(version === 'v1' ? base : `${base}:${binding}`);
  }
}

function deriveSubkey(key: Buffer, purpose: CipherPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), `nestjs-atlassian ${purpose}`, 32));
}
