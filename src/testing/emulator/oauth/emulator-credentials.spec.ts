import { describe, expect, it } from 'vitest';
import { mintJwtLike } from './emulator-credentials.js';

describe('mintJwtLike', () => {
  it('mints distinct tokens of a steady length across many refills of its random pool', () => {
    // 2,000 tokens of 816 random bytes each draw about 25 pools' worth: a slice handed out twice,
    // or a pool not refilled, shows up as a repeated token or a repeated signature.
    const tokens = Array.from({ length: 2_000 }, () => mintJwtLike('access', 768));
    expect(new Set(tokens).size).toBe(tokens.length);
    const signatures = tokens.map((token) => token.split('.')[2]);
    expect(new Set(signatures).size).toBe(tokens.length);
    expect(new Set(signatures.map((signature) => signature!.length))).toEqual(new Set([1024]));
    expect(tokens.every((token) => token.split('.').length === 3)).toBe(true);
  });

  it('draws more than a pool holds in one piece', () => {
    const [, , signature] = mintJwtLike('big', 100_000).split('.');
    expect(Buffer.from(signature!, 'base64url')).toHaveLength(100_000);
  });
});
