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
    unwritten: 0,
    claimsRunning: 0,
    claimed: 0,
    started: 0,
    claimCounts: [] as number[],
    worked: [] as number[],
    givenBack: [] as number[],
    broken: [] as string[],
  };
  const check = () => {
    if (state.requests > slots) state.broken.push(`${state.requests} requests in ${slots} slots`);
    if (state.unwritten > 2 * slots) state.broken.push(`${state.unwritten} unwritten rows`);
    if (state.claimsRunning > 1) state.broken.push(`${state.claimsRunning} claims at once`);
  };
  const claim = (count: number): Row[] => {
    const rows = Array.from({ length: Math.min(count, due - nextId) }, () => ({ id: nextId++ }));
    state.claimCounts.push(count);
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
              // Never more claimed than the writes waiting to be stored leave room for.
              const waiting = state.claimed - state.started;
              if (count + waiting + state.unwritten > 2 * slots)
                state.broken.push(`claimed ${count} with ${state.unwritten} unwritten`);
              const rows = await s.schedule(Promise.resolve(claim(count)), 'claim');
              state.claimsRunning--;
              state.claimed += rows.length;
              return rows;
            },
            work: async (row, answered) => {
              state.started++;
              state.requests++;
              state.unwritten++;
              check();
              await s.schedule(Promise.resolve(), `request ${row.id}`);
              state.requests--;
              answered();
              await s.schedule(Promise.resolve(), `write ${row.id}`);
              state.worked.push(row.id);
              state.unwritten--;
            },
            giveBack: async (row) => void state.givenBack.push(row.id),
          };
          await s.waitFor(runClaimFlow(steps, { slots, shouldStop: () => false }));
          expect(state.broken).toEqual([]);
          expect(state.requests + state.unwritten).toBe(0);
          expect([...state.worked].sort((a, b) => a - b)).toEqual(
            Array.from({ length: due }, (_, id) => id),
          );
          expect(state.givenBack).toEqual([]);
          // Each claim is worth its statement: a quarter of the slots at least, unless nothing is in flight.
          for (const count of state.claimCounts.slice(1))
            expect(count).toBeGreaterThanOrEqual(Math.min(Math.ceil(slots / 4), 1));
        },
      ),
      { numRuns: 150 },
    );
  });

  it('frees a slot when its request answers, while its write still runs', async () => {
    const answeredBeforeWritten: number[] = [];
    const writes: Array<() => void> = [];
    let started = 0;
    const flow = runClaimFlow<number>(
      {
        claim: async (count) =>
          Array.from({ length: Math.min(count, 6 - started) }, () => started++),
        work: async (id, answered) => {
          answered();
          answeredBeforeWritten.push(id);
          await new Promise<void>((resolve) => writes.push(resolve));
        },
        giveBack: async () => undefined,
      },
      { slots: 2, shouldStop: () => false },
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Two slots, no write finished: four requests went out (two more while the first two are written).
    expect(answeredBeforeWritten).toEqual([0, 1, 2, 3]);
    writes.splice(0).forEach((finish) => finish());
    await new Promise((resolve) => setTimeout(resolve, 20));
    writes.splice(0).forEach((finish) => finish());
    await flow;
    expect(answeredBeforeWritten).toEqual([0, 1, 2, 3, 4, 5]);
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
    // Four requests out, two rows claimed ahead.
    expect(claims).toEqual([6]);
    expect(requests).toHaveLength(4);
    // Every slot stalls past the limit: the waiting rows go back, the next claim is for the free slot only.
    now = CLAIMED_WAIT_MAX_MS + 1;
    requests.shift()!();
    await tick();
    expect(givenBack).toEqual([4, 5]);
    expect(claims).toEqual([6, 1]);
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
    expect(givenBack).toEqual([4, 5]);
    requests.splice(0).forEach((finish) => finish());
    await flow;
    expect(finished.sort()).toEqual([0, 1, 2, 3]);
    expect(nextId).toBe(6);
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
    expect(done).toBe(6);
  });
});
