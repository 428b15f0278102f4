import { createHash } from 'node:crypto';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { EncryptionKeyInput } from '../options/atlassian-module-options.interface.js';
import type { EncryptionKey } from '../options/normalized-options.interface.js';

const KEY_BYTES = 32;
const KEY_ID_PATTERN = /^[A-Za-z0-9_-]{1,32}$/;

/** Decodes and checks `encryptionKeys`: 32 bytes each (base64 or hex), ids unique. */
export function normalizeKeys(
  keys: Array<string | EncryptionKeyInput> | undefined,
): EncryptionKey[] {
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new AtlassianOptionsError(
      'encryptionKeys',
      'is missing: give at least one 32-byte key, e.g. the output of `openssl rand -base64 32`.',
    );
  }
  const decoded = keys.map((input, index) => decodeKey(input, index));
  const ids = new Set(decoded.map((k) => k.id));
  if (ids.size !== decoded.length)
    throw new AtlassianOptionsError(
      'encryptionKeys',
      'has two keys with the same id: give each key its own id.',
    );
  return decoded;
}

function decodeKey(input: string | EncryptionKeyInput, index: number): EncryptionKey {
  const option = `encryptionKeys[${index}]`;
  const raw = typeof input === 'string' ? input : input?.key;
  if (typeof raw !== 'string' || raw === '')
    throw new AtlassianOptionsError(option, 'is empty: give a 32-byte key as base64 or hex.');
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== KEY_BYTES) {
    throw new AtlassianOptionsError(
      option,
      `decodes to ${key.length} bytes; AES-256 needs exactly ${KEY_BYTES} (44 base64 characters or 64 hex digits). Generate one with \`openssl rand -base64 32\`.`,
    );
  }
  // A derived id lets a plain string key rotate without naming it; it reveals nothing of the key.
  const id =
    typeof input === 'string'
      ? createHash('sha256').update(key).digest('base64url').slice(0, 8)
      : input.id;
  if (!KEY_ID_PATTERN.test(id))
    throw new AtlassianOptionsError(`${option}.id`, 'must be 1-32 letters, digits, "_" or "-".');
  return { id, key };
}
