import { describe, expect, it } from 'vitest';
import { RandomPool } from './random-pool.js';

describe('RandomPool', () => {
  it('hands out slices of the asked size that never repeat, across many block refills', () => {
    const pool = new RandomPool();
    const seen = new Set<string>();
    // 12-byte IVs: 341 per 4 KB block, so 10,000 of them cross about 30 refills.
    for (let i = 0; i < 10_000; i++) {
      const iv = pool.take(12);
      expect(iv).toHaveLength(12);
      seen.add(iv.toString('hex'));
    }
    expect(seen.size).toBe(10_000);
  });

  it('never changes a slice already handed out when its block is spent', () => {
    const pool = new RandomPool();
    const first = pool.take(12);
    const copy = Buffer.from(first);
    for (let i = 0; i < 1_000; i++) pool.take(12);
    expect(first.equals(copy)).toBe(true);
  });

  it('serves a size larger than a block straight from the CSPRNG', () => {
    const pool = new RandomPool();
    expect(pool.take(5_000)).toHaveLength(5_000);
  });
});
