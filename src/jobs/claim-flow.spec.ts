import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CLAIMED_WAIT_MAX_MS, runClaimFlow, type FlowSteps } from './claim-flow.js';

interface Row {
  id: number;
}

/** Due rows, a fake clock, and the counts the flow's rules are about; every wait is a hand-held promise. */
function flowWorld(due: number, slots: number) {
  let nextId = 0;
  const state = {
    requests: 0,
    storing: 0,
    claimsRunning: 0,
    claimed: 0,
    started: 0,
    claimCounts: [] as Array<{ count: number; idle: boolean }>,
    worked: [] as number[],
    givenBack: [] as number[],
    broken: [] as string[],
  };
  const check = () => {
    if (state.requests > slots) state.broken.push(`${state.requests} requests in ${slots} slots`);
    if (state.storing > slots) state.broken.push(`${state.storing} rows waiting to be written`);
    if (state.claimsRunning > 1) state.broken.push(`${state.claimsRunning} claims at once`);
  };
  const claim = (count: number): Row[] => {
    const rows = Array.from({ length: Math.min(count, due - nextId) }, () => ({ id: nextId++ }));
    state.claimCounts.push({ count, idle: state.requests + state.storing === 0 });
    return rows;
  };
  return { state, check, claim };
}

describe('runClaimFlow', () => {
  it('keeps every slot busy and no more, one claim at a time, and works each due row once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 0, max: 60 }),
        async (s, slots, due) => {
          const { state, check, claim } = flowWorld(due, slots);
          const steps: FlowSteps<Row> = {
            claim: async (count) => {
              state.claimsRunning++;
              check();
              // Never more claimed than can start within a slot's turn: the free slots and as many ahead,
              // and nothing while the writes are behind.
              const waiting = state.claimed - state.started;
              if (count + waiting > 2 * slots - state.requests || state.storing >= slots)
                state.broken.push(`claimed ${count}: ${waiting} waiting, ${state.storing} storing`);
              const rows = await s.schedule(Promise.resolve(claim(count)), 'claim');
              state.claimsRunning--;
              state.claimed += rows.length;
              return rows;
            },
            work: async (row, answered) => {
              state.started++;
              state.requests++;
              check();
              await s.schedule(Promise.resolve(), `request ${row.id}`);
              state.requests--;
              state.storing++;
              answered();
              await s.schedule(Promise.resolve(), `write ${row.id}`);
              state.worked.push(row.id);
              state.storing--;
            },
            giveBack: async (row) => void state.givenBack.push(row.id),
          };
          await s.waitFor(runClaimFlow(steps, { slots, shouldStop: () => false }));
          expect(state.broken).toEqual([]);
          expect(state.requests + state.storing).toBe(0);
          expect([...state.worked].sort((a, b) => a - b)).toEqual(
            Array.from({ length: due }, (_, id) => id),
          );
          expect(state.givenBack).toEqual([]);
          // Each claim is worth its statement: half the slots at least, unless nothing is in flight.
          for (const { count, idle } of state.claimCounts)
            if (!idle) expect(count).toBeGreaterThanOrEqual(Math.ceil(slots / 2));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('frees a slot when its request answers, while its write still runs', async () => {
    const started: number[] = [];
    const hung: Array<() => void> = [];
    const writes: Array<() => void> = [];
    let nextId = 0;
    const flow = runClaimFlow<number>(
      {
        claim: async (count) => Array.from({ length: Math.min(count, 5 - nextId) }, () => nextId++),
        work: async (id, answered) => {
          started.push(id);
          if (id === 0) await new Promise<void>((resolve) => hung.push(resolve));
          answered();
          await new Promise<void>((resolve) => writes.push(resolve));
        },
        giveBack: async () => undefined,
      },
      { slots: 2, shouldStop: () => false },
    );
    const settle = () => new Promise((resolve) => setTimeout(resolve, 10));
    await settle();
    // Row 0's request hangs; row 1 answered and waits to be written, so its slot went to row 2; with
    // rows 1 and 2 waiting to be written (as many as the slots), nothing more starts.
    expect(started).toEqual([0, 1, 2]);
    writes.shift()!();
    await settle();
    expect(started).toEqual([0, 1, 2, 3]);
    hung.shift()!();
    while (writes.length > 0) {
      writes.splice(0).forEach((finish) => finish());
      await settle();
    }
    await flow;
    expect(started).toEqual([0, 1, 2, 3, 4]);
  });

  it('gives back rows claimed ahead that waited too long, and then claims only for free slots', async () => {
    let now = 0;
    let nextId = 0;
    const claims: number[] = [];
    const givenBack: number[] = [];
    const requests: Array<() => void> = [];
    const flow = runClaimFlow<Row>(
      {
        claim: async (count) => {
          claims.push(count);
          return Array.from({ length: Math.min(count, 20 - nextId) }, () => ({ id: nextId++ }));
        },
        work: async (_row, answered) => {
          await new Promise<void>((resolve) => requests.push(resolve));
          answered();
        },
        giveBack: async (row) => void givenBack.push(row.id),
      },
      { slots: 4, shouldStop: () => false, now: () => now },
    );
    const tick = () => new Promise((resolve) => setTimeout(resolve, 5));
    await tick();
    // Four requests out, four rows claimed ahead.
    expect(claims).toEqual([8]);
    expect(requests).toHaveLength(4);
    // Every slot stalls past the limit: the waiting rows go back, the next claim is for the free slot only.
    now = CLAIMED_WAIT_MAX_MS + 1;
    requests.shift()!();
    await tick();
    expect(givenBack).toEqual([4, 5, 6, 7]);
    // Claims are for free slots only now, and wait for half of them.
    expect(claims).toEqual([8]);
    requests.shift()!();
    await tick();
    expect(claims).toEqual([8, 2]);
    while (requests.length > 0) {
      requests.shift()!();
      await tick();
    }
    await flow;
    expect(claims.slice(1).every((count) => count <= 4)).toBe(true);
    expect(nextId).toBe(20);
  });

  it('does not count a slow claim as waiting: rows claimed in a slow database still start', async () => {
    let now = 0;
    let nextId = 0;
    const givenBack: number[] = [];
    const worked: number[] = [];
    await runClaimFlow<Row>(
      {
        claim: async (count) => {
          // The first claim takes five times the limit to answer.
          if (nextId === 0) now += 5 * CLAIMED_WAIT_MAX_MS;
          return Array.from({ length: Math.min(count, 10 - nextId) }, () => ({ id: nextId++ }));
        },
        work: async (row, answered) => {
          await new Promise((resolve) => setTimeout(resolve, 1));
          answered();
          worked.push(row.id);
        },
        giveBack: async (row) => void givenBack.push(row.id),
      },
      { slots: 4, shouldStop: () => false, now: () => now },
    );
    expect(givenBack).toEqual([]);
    expect(worked.sort((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('stops claiming when told, gives back what waits, and lets requests in flight finish', async () => {
    let stop = false;
    let nextId = 0;
    const givenBack: number[] = [];
    const finished: number[] = [];
    const requests: Array<() => void> = [];
    const flow = runClaimFlow<Row>(
      {
        claim: async (count) => Array.from({ length: count }, () => ({ id: nextId++ })),
        work: async (row, answered) => {
          await new Promise<void>((resolve) => requests.push(resolve));
          answered();
          finished.push(row.id);
        },
        giveBack: async (row) => void givenBack.push(row.id),
      },
      { slots: 4, shouldStop: () => stop },
    );
    await new Promise((resolve) => setTimeout(resolve, 5));
    stop = true;
    requests.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(givenBack).toEqual([4, 5, 6, 7]);
    requests.splice(0).forEach((finish) => finish());
    await flow;
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
    expect(nextId).toBe(8);
  });

  it('rejects with a failed claim only after the work already claimed is done', async () => {
    const refused = new Error('the database is gone');
    let claims = 0;
    const requests: Array<() => void> = [];
    let done = 0;
    const flow = runClaimFlow<number>(
      {
        claim: async (count) => {
          if (claims++ > 0) throw refused;
          return Array.from({ length: count }, (_, index) => index);
        },
        work: async (_id, answered) => {
          await new Promise<void>((resolve) => requests.push(resolve));
          answered();
          done++;
        },
        giveBack: async () => undefined,
      },
      { slots: 4, shouldStop: () => false },
    );
    let settled = false;
    void flow.catch(() => undefined).finally(() => (settled = true));
    await new Promise((resolve) => setTimeout(resolve, 5));
    requests.shift()!();
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(settled).toBe(false);
    while (requests.length > 0) {
      requests.shift()!();
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await expect(flow).rejects.toBe(refused);
    expect(done).toBe(8);
  });
});
