import { randomUUID } from 'node:crypto';

/**
 * The right to work on claimed rows until the database's clock passes `durationMs` after the claim.
 * Every write of the work is fenced by `id`, so a holder whose rows were taken from it (a sign-in, a
 * forget, a lapsed lease claimed by another instance) cannot overwrite what came after.
 */
export interface Lease {
  /** Unique per claim statement: a leased row holds it, and each write of the work is fenced by it. */
  readonly id: string;
  readonly durationMs: number;
  /** `performance.now()` just before the claim was sent: the holder's deadlines count from here. */
  readonly claimedAt: number;
}

/** A new lease, stamped before its claim is sent, so the holder's deadline is never later than the database's. */
export function newLease(durationMs: number): Lease {
  return { id: randomUUID(), durationMs, claimedAt: performance.now() };
}

/** Milliseconds left before `lease` lapses (negative once it has), by this process's monotonic clock. */
export function leaseRemainingMs(lease: Lease, marginMs = 0): number {
  return lease.claimedAt + lease.durationMs - marginMs - performance.now();
}
