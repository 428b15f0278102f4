/** Above this many entries, a write first drops the stale ones, so idle accounts do not pile up. */
const SWEEP_ABOVE_ENTRIES = 10_000;

interface Entry {
  accountId: string;
  token: string;
  /** Epoch ms after which the entry is not served. */
  until: number;
}

/**
 * Access tokens held in memory for a short time, so hot paths skip the database and the decryption.
 * Entries end before the token's refresh window and after a short TTL, because another process may
 * rotate the token (the old one then dies after the provider's leeway).
 */
export class AccessTokenCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly ttlMs: number) {}

  get(key: string, now: Date): string | undefined {
    return this.entry(key, now)?.token;
  }

  /** The entry served under `key` at `now` (its token and whose it is), if any. */
  entry(key: string, now: Date): Readonly<Entry> | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    if (entry.until > now.getTime()) return entry;
    this.entries.delete(key);
    return undefined;
  }

  set(key: string, accountId: string, token: string, until: number): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= SWEEP_ABOVE_ENTRIES) this.sweep(Date.now());
    this.entries.set(key, { accountId, token, until });
  }

  delete(key: string): void {
    this.entries.delete(key);
  }

  private sweep(nowMs: number): void {
    for (const [key, entry] of this.entries) if (entry.until <= nowMs) this.entries.delete(key);
  }

  /** Drops every entry of one account, whatever key it was cached under. */
  deleteAccount(accountId: string): void {
    for (const [key, entry] of this.entries)
      if (entry.accountId === accountId) this.entries.delete(key);
  }
}
