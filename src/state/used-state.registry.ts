/**
 * The states this process has accepted, kept until they expire, so that a callback replayed with a
 * copied cookie fails here too. Across processes the provider's one-time code is the backstop.
 */
export class UsedStateRegistry {
  private readonly expiries = new Map<string, number>();

  /** Records `state`; false when it was already recorded and has not expired. */
  claim(state: string, expiresAt: number, now: number): boolean {
    this.sweep(now);
    if (this.expiries.has(state)) return false;
    this.expiries.set(state, expiresAt);
    return true;
  }

  private sweep(now: number): void {
    // Insertion order is roughly expiry order, so stop at the first live entry.
    for (const [state, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(state);
    }
  }
}
