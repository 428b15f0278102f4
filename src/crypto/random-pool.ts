import { randomBytes } from 'node:crypto';

const POOL_BYTES = 4096;

/**
 * Random bytes handed out from a block drawn from the CSPRNG 4 KB at a time: each draw costs a call
 * into OpenSSL whatever its size, and a sweep's two encryptions per refresh spent more in those calls
 * (about 20 µs each here) than in the encryption. Every slice is handed out once; a spent block is
 * replaced, never refilled, so a slice already handed out never changes. Node's `randomUUID` caches
 * the same way.
 */
export class RandomPool {
  private block = randomBytes(POOL_BYTES);
  private offset = 0;

  /** `size` fresh random bytes (at most the block size). */
  take(size: number): Buffer {
    if (size > POOL_BYTES) return randomBytes(size);
    if (this.offset + size > POOL_BYTES) {
      this.block = randomBytes(POOL_BYTES);
      this.offset = 0;
    }
    const bytes = this.block.subarray(this.offset, this.offset + size);
    this.offset += size;
    return bytes;
  }
}
