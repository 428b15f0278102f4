/** How long calls may start apart and still share one timer. */
const SLICE_MS = 10;

/**
 * Abort signals that fire at least `timeoutMs` after a call starts (at most {@link SLICE_MS} later):
 * the calls that start within one slice share one `AbortSignal.timeout`. A busy client then keeps one
 * timer per slice alive instead of one timer, signal, weak reference and finalizer per call, which
 * cost more than the rest of the client's own work on a call. The slice is short so that few calls
 * listen to one signal (fetch adds a listener per call and checks the count each time).
 */
export class SharedTimeouts {
  private signal: AbortSignal | undefined;
  private sliceStartedAt = Number.NEGATIVE_INFINITY;

  constructor(private readonly timeoutMs: number) {}

  /** A signal that aborts with a `TimeoutError` `timeoutMs` (to `timeoutMs` + 10) after now. */
  next(): AbortSignal {
    const now = performance.now();
    if (this.signal === undefined || now - this.sliceStartedAt >= SLICE_MS) {
      this.signal = AbortSignal.timeout(this.timeoutMs + SLICE_MS);
      this.sliceStartedAt = now;
    }
    return this.signal;
  }
}
