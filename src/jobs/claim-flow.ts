/** What a flow does with claimed work; `W` is one claimed row with its lease. */
export interface FlowSteps<W> {
  /** Claims up to `count` due rows in one statement; an empty answer means nothing more is due. */
  claim(count: number): Promise<W[]>;
  /**
   * Does the work; calls `answered` once its outside request has answered (its slot is free again),
   * and settles when everything is written.
   */
  work(item: W, answered: () => void): Promise<void>;
  /** Ends the lease of a row that will not be worked on now (a later claim takes it again). */
  giveBack(item: W): Promise<void>;
}

export interface FlowLimits {
  /** Outside requests in flight at once. */
  slots: number;
  /** True stops claiming, and rows claimed ahead are given back; requests in flight finish. */
  shouldStop: () => boolean;
  /** Milliseconds, monotonic. Default: `performance.now()`. */
  now?: () => number;
}

/**
 * A claimed row waits this long at most for a slot (counted from its claim's answer, so a slow
 * database does not count) before its lease is given back. In a steady flow it waits a few
 * milliseconds; only a stall of every slot keeps it longer, and its lease was sized for the work,
 * not for a queue.
 */
export const CLAIMED_WAIT_MAX_MS = 1_000;

/**
 * Claims and works rows as a flow: `slots` outside requests always in flight, each started the moment
 * a slot frees, from rows claimed ahead.
 *
 * - A slot is freed when its request answers, not when the result is written: the write waits in the
 *   database's queue (where writes are grouped) instead of holding a slot. While `slots` rows wait
 *   to be written, no new request starts (and nothing more is claimed).
 * - Claims run beside the work, one at a time, each for at least half the slots (a claim is a
 *   statement with an index walk: fewer, larger claims cost both sides less). Up to `slots` rows are
 *   claimed ahead, so a freed slot starts from a row already claimed instead of waiting for a
 *   claim's round trip; such a row waits about one request's time.
 * - A row claimed ahead that waits longer than {@link CLAIMED_WAIT_MAX_MS} (every slot stalled) is
 *   given back, and the flow stops claiming ahead: from then on it claims only for free slots.
 *
 * Resolves when nothing is due and everything claimed is done; rejects with a claim's error once the
 * work already claimed is done.
 */
export async function runClaimFlow<W>(steps: FlowSteps<W>, limits: FlowLimits): Promise<void> {
  const { slots } = limits;
  const now = limits.now ?? (() => performance.now());
  const minClaim = Math.ceil(slots / 2);
  let ahead = slots;
  const ready: Array<{ item: W; readyAt: number }> = [];
  /** Outside requests in flight, and works past their request but not yet written. */
  let requests = 0;
  let storing = 0;
  let claiming = false;
  let drained = false;
  let claimError: unknown;
  let wake: (() => void) | undefined;
  const nudge = () => wake?.();

  const start = (item: W) => {
    requests++;
    let answered = false;
    const answer = () => {
      if (answered) return;
      answered = true;
      requests--;
      storing++;
      nudge();
    };
    void steps
      .work(item, answer)
      .catch(() => undefined)
      .finally(() => {
        answer();
        storing--;
        nudge();
      });
  };

  for (;;) {
    const stopped = limits.shouldStop();
    while (ready.length > 0 && requests < slots && storing < slots) {
      const { item, readyAt } = ready.shift()!;
      if (!stopped && now() - readyAt <= CLAIMED_WAIT_MAX_MS) {
        start(item);
        continue;
      }
      if (!stopped) ahead = 0;
      void steps.giveBack(item).catch(() => undefined);
    }
    // Rows that could start soon: none while the writes are behind.
    const wanted = storing < slots ? slots - requests + ahead - ready.length : 0;
    const idle = requests + storing === 0;
    const stopping = drained || claimError !== undefined || stopped;
    if (!stopping && !claiming && (wanted >= minClaim || (wanted > 0 && idle))) {
      claiming = true;
      void steps
        .claim(wanted)
        .then(
          (claimed) => {
            // Nothing newly due appears within a tick: the first empty claim ends the claiming.
            if (claimed.length === 0) drained = true;
            const readyAt = now();
            for (const item of claimed) ready.push({ item, readyAt });
          },
          (error: unknown) => (claimError = error),
        )
        .finally(() => {
          claiming = false;
          nudge();
        });
    }
    if (!claiming && idle && (ready.length === 0 || stopping)) break;
    await new Promise<void>((resolve) => (wake = resolve));
    wake = undefined;
  }
  for (const { item } of ready) void steps.giveBack(item).catch(() => undefined);
  if (claimError !== undefined) throw claimError;
}
