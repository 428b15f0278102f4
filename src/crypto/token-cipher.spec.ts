import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { TokenCipherError } from '../errors/token-cipher.error.js';
import type { EncryptionKey } from '../options/normalized-options.interface.js';
import { TokenCipher, tokenBinding } from './token-cipher.js';

function key(id: string): EncryptionKey {
  return { id, key: randomBytes(32) };
}

/** Flips one character of the base64url payload (never a padding-only position), keeping the format. */
function tamper(ciphertext: string): string {
  const [version, keyId, payload] = ciphertext.split(':');
  const at = Math.floor(payload.length / 2);
  const flipped = payload[at] === 'A' ? 'B' : 'A';
  return `${version}:${keyId}:${payload.slice(0, at)}${flipped}${payload.slice(at + 1)}`;
}

/** A ciphertext as the v1 format made it (key id in the authenticated data, no binding), built by hand. */
function legacyV1Ciphertext({ id, key }: EncryptionKey, plaintext: string): string {
  const subkey = Buffer.from(
    hkdfSync('sha256', key, Buffer.alloc(0), 'nestjs-atlassian token', 32),
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', subkey, iv);
  cipher.setAAD(Buffer.from(`nestjs-atlassian:token:v1:${id}`));
  const body = Buffer.concat([
    iv,
    cipher.update(plaintext, 'utf8'),
    cipher.final(),
    cipher.getAuthTag(),
  ]);
  return `v1:${id}:${body.toString('base64url')}`;
}

/** The error `fn` throws; fails the test when it throws nothing. */
function thrownBy(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw, got none');
}

describe('TokenCipher', () => {
  const current = key('current');
  const old = key('old');

  it('decrypts what it encrypted', () => {
    const cipher = new TokenCipher([current]);
    expect(cipher.decrypt(cipher.encrypt('atlassian-access-token'))).toBe('atlassian-access-token');
    expect(cipher.decrypt(cipher.encrypt(''))).toBe('');
    expect(cipher.decrypt(cipher.encrypt('ünïcødé ✓ token'))).toBe('ünïcødé ✓ token');
  });

  it('makes a different ciphertext every time, none containing the plaintext', () => {
    const cipher = new TokenCipher([current]);
    const ciphertexts = Array.from({ length: 50 }, () => cipher.encrypt('same-token'));
    expect(new Set(ciphertexts).size).toBe(50);
    for (const ciphertext of ciphertexts) expect(ciphertext).not.toContain('same-token');
  });

  it('writes the id of the encrypting key inside the ciphertext', () => {
    const ciphertext = new TokenCipher([current, old]).encrypt('token');
    expect(ciphertext).toMatch(/^v2:current:[\w-]+$/);
    expect(new TokenCipher([old, current]).encrypt('token')).toMatch(/^v2:old:/);
  });

  it('decrypts an old-key ciphertext after rotation and says it needs re-encryption', () => {
    const before = new TokenCipher([old]).encrypt('token-from-last-year');
    const rotated = new TokenCipher([current, old]);
    expect(rotated.decrypt(before)).toBe('token-from-last-year');
    expect(rotated.needsReencryption(before)).toBe(true);
    const after = rotated.encrypt('token-from-last-year');
    expect(rotated.needsReencryption(after)).toBe(false);
    expect(after.split(':')[1]).toBe('current');
  });

  it('refuses a ciphertext whose key is gone with token_unknown_encryption_key', () => {
    const ciphertext = new TokenCipher([old]).encrypt('token');
    const withoutOld = new TokenCipher([current]);
    expect(() => withoutOld.decrypt(ciphertext)).toThrow(TokenCipherError);
    expect(() => withoutOld.decrypt(ciphertext)).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.UnknownEncryptionKey }),
    );
    expect(() => withoutOld.decrypt(ciphertext)).toThrow(/"old".*keep old keys/);
  });

  it('refuses a key of the same id but other bytes with token_ciphertext_invalid', () => {
    const ciphertext = new TokenCipher([key('k1')]).encrypt('token');
    expect(() => new TokenCipher([key('k1')]).decrypt(ciphertext)).toThrow(
      expect.objectContaining({
        name: 'TokenCipherError',
        code: AtlassianErrorCode.CiphertextInvalid,
      }),
    );
  });

  it('refuses a tampered payload with token_ciphertext_invalid', () => {
    const cipher = new TokenCipher([current]);
    const ciphertext = cipher.encrypt('token');
    expect(() => cipher.decrypt(tamper(ciphertext))).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
    );
  });

  it('refuses a ciphertext whose key id was changed to another known key with token_ciphertext_invalid', () => {
    const cipher = new TokenCipher([current, old]);
    const ciphertext = cipher.encrypt('token');
    const relabelled = ciphertext.replace(/^v2:current:/, 'v2:old:');
    expect(() => cipher.decrypt(relabelled)).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
    );
  });

  it.each([
    ['an empty string', ''],
    ['plain text', 'not-a-ciphertext'],
    ['another version', 'v3:current:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
    ['an extra part', 'v2:current:AAAA:BBBB'],
    ['a too short payload', 'v2:current:AAAA'],
  ])('refuses %s with token_ciphertext_invalid', (_label, ciphertext) => {
    expect(() => new TokenCipher([current]).decrypt(ciphertext)).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
    );
  });

  it('never decrypts a token ciphertext as an oauth-state one, nor the other way round', () => {
    const tokens = new TokenCipher([current], 'token');
    const state = new TokenCipher([current], 'oauth-state');
    expect(() => state.decrypt(tokens.encrypt('token'))).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
    );
    expect(() => tokens.decrypt(state.encrypt('{"state":"x"}'))).toThrow(
      expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
    );
    expect(state.decrypt(state.encrypt('{"state":"x"}'))).toBe('{"state":"x"}');
  });

  it('round-trips tokens longer than 2,500 characters', () => {
    const cipher = new TokenCipher([current]);
    const long = randomBytes(6000).toString('base64url');
    expect(long.length).toBeGreaterThan(2500);
    const ciphertext = cipher.encrypt(long);
    expect(cipher.decrypt(ciphertext)).toBe(long);
    expect(cipher.decrypt(cipher.encrypt(`${long}.${long}`))).toBe(`${long}.${long}`);
  });

  it('binds a ciphertext to where it belongs: another row or column does not decrypt it', () => {
    const cipher = new TokenCipher([current]);
    const ciphertext = cipher.encrypt('refresh-token-of-a', tokenBinding('account-a', 'refresh'));
    expect(cipher.decrypt(ciphertext, tokenBinding('account-a', 'refresh'))).toBe(
      'refresh-token-of-a',
    );
    for (const elsewhere of [
      tokenBinding('account-b', 'refresh'),
      tokenBinding('account-a', 'access'),
      '',
    ]) {
      expect(() => cipher.decrypt(ciphertext, elsewhere)).toThrow(
        expect.objectContaining({ code: AtlassianErrorCode.CiphertextInvalid }),
      );
    }
  });

  it('still decrypts a v1 ciphertext (made before bindings), wherever it is read, and says it needs re-encryption', () => {
    const legacy = legacyV1Ciphertext(current, 'token-from-v1');
    const cipher = new TokenCipher([current]);
    expect(cipher.decrypt(legacy, tokenBinding('any-account', 'access'))).toBe('token-from-v1');
    expect(cipher.needsReencryption(legacy)).toBe(true);
  });

  it('needs at least one key', () => {
    expect(() => new TokenCipher([])).toThrow(TypeError);
  });

  it('never puts the plaintext or the key into its errors', () => {
    const cipher = new TokenCipher([current]);
    const error = thrownBy(() => cipher.decrypt(tamper(cipher.encrypt('secret-token-value'))));
    expect(error).toBeInstanceOf(TokenCipherError);
    const exposed = JSON.stringify({
      message: error.message,
      code: (error as TokenCipherError).code,
    });
    expect(exposed).not.toContain('secret-token-value');
    expect(exposed).not.toContain(current.key.toString('base64'));
    expect(exposed).not.toContain(current.key.toString('hex'));
  });
});
