import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { GetOutcome } from '../fixtures/token-worker.js';
import {
  startDedicatedPostgresServer,
  type DedicatedPostgresServer,
} from '../support/dedicated-postgres-server.js';
import { emulatorRequestReceived } from '../support/emulator-requests.js';
import {
  expectRotatedPairStored,
  sameTokenForAll,
  waitForRow,
} from '../support/lifecycle-mp-checks.js';
import { emulatorAnswerSent } from '../support/lifecycle-mp-emulator-answers.js';
import { cleanupsAfterEach, startLifecycleScenario } from '../support/lifecycle-mp-scenario.js';
import { storedAccount } from '../support/stored-accounts.js';
import type { TokenWorker } from '../support/worker-processes.js';

const DATABASE = 'lifecycle_outage';
/** The refresh is held this long by the emulator: the database goes down meanwhile, and the rotated pair arrives to an outage. */
const HOLD_MS = 3_000;
/** Default httpTimeoutMs (10 s, longer than the hold) and a store budget of 2 minutes: a lease of 135 s. */
const TOKENS = { cacheTtlMs: 0, storeBudgetMs: 120_000 };
/** Pause between two calls of the worker that keeps calling through the outage. */
const CALL_PACE_MS = 200;
/** After the database is back: the refresher's next store attempt (its pauses grow to 2 s) and the reconnect. */
const STORED_AFTER_RECOVERY_MS = 20_000;
const LATER_CALLS = 10;

interface Outage {
  name: string;
  durationMs: number;
  begin(server: DedicatedPostgresServer): Promise<void>;
  end(server: DedicatedPostgresServer): Promise<void>;
}

const stopped = (durationMs: number): Outage => ({
  name: `the server stopped for ${durationMs / 1000} s`,
  durationMs,
  begin: (server) => server.stop(),
  end: (server) => server.start(),
});
const cut = (durationMs: number): Outage => ({
  name: `every connection to the database cut and refused for ${durationMs / 1000} s`,
  durationMs,
  begin: (server) => server.cutConnections(DATABASE),
  end: (server) => server.allowConnections(DATABASE),
});

/**
 * PostgreSQL goes away after the provider received a refresh and before it answered: the provider
 * rotates, and the process holding the new pair cannot store it until the database is back. The pair
 * must be kept (retried for the store budget, under a lease that keeps every other process away), since
 * the old refresh token is spent: with no reuse leeway, anyone using it again revokes the grant.
 */
describe('a rotated token pair outlives a PostgreSQL outage in the middle of its refresh (dedicated server, real processes)', () => {
  const addCleanup = cleanupsAfterEach();

  for (const outage of [stopped(5_000), stopped(60_000), cut(5_000)]) {
    it(
      `${outage.name}: the pair is stored once it is back, one refresh, no reuse, every later call gets the stored token`,
      { timeout: outage.durationMs + 40_000 },
      async () => {
        const server = await startDedicatedPostgresServer();
        addCleanup(() => server.destroy());
        const scenario = await startLifecycleScenario(addCleanup, {
          type: 'postgres',
          url: await server.createDatabase(DATABASE),
        });
        const { emulator, dataSource } = scenario;
        const [account] = await scenario.seed(1);
        const spec = { ...scenario.spec, tokens: TOKENS };
        const { workers } = await scenario.workers({ spec }, { spec });
        const [refresher, caller] = workers;

        emulator.inject({
          route: 'token',
          match: { grantType: 'refresh_token' },
          delayMs: HOLD_MS,
        });
        const received = emulatorRequestReceived(emulator);
        const answered = emulatorAnswerSent(emulator);
        const refreshing = refresher.run({ kind: 'get', accountId: account.id, calls: 1 });
        // Awaited below; a test that fails before must not leave them unhandled when its workers are killed.
        for (const pending of [refreshing, answered]) pending.catch(() => undefined);
        await received;
        expect((await storedAccount(dataSource, account.id)).refreshLeaseOwner).not.toBeNull();
        const calling = keepCalling(caller, account.id);
        addCleanup(() => calling.stop());

        await outage.begin(server);
        const downAt = performance.now();
        // The precondition of the test: the provider rotated while the database was down.
        expect(await answered).toBeGreaterThan(downAt);
        await sleep(outage.durationMs - (performance.now() - downAt));
        await outage.end(server);

        await waitForRow(
          scenario,
          account.id,
          (row) => row.refreshLeaseOwner === null,
          STORED_AFTER_RECOVERY_MS,
        );
        expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
        expect(emulator.refreshTokenReplays()).toBe(0);
        const token = sameTokenForAll([await refreshing], 1);
        await expectRotatedPairStored(scenario, account, token);
        // The caller's calls failed while the database was down, and never got another token or a refusal.
        // Its call in flight at the recovery may have started in the outage: stop after one got a token.
        const callerOutcomes = await calling.stopOnceAToken(STORED_AFTER_RECOVERY_MS);
        const errorCodes = callerOutcomes.flatMap((outcome) =>
          'errorCode' in outcome ? [outcome.errorCode] : [],
        );
        expect(errorCodes.length).toBeGreaterThan(0);
        // Each with the package's stable code for a database that does not answer, never a driver's error.
        expect(new Set(errorCodes)).toEqual(new Set(['token_store_unavailable']));
        expect(
          new Set(callerOutcomes.flatMap((outcome) => ('token' in outcome ? [outcome.token] : []))),
        ).toEqual(new Set([token]));

        const later = await Promise.all(
          workers.map((worker) =>
            worker.run({ kind: 'get', accountId: account.id, calls: LATER_CALLS }),
          ),
        );
        expect(sameTokenForAll(later, 2 * LATER_CALLS)).toBe(token);
        expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(1);
        // The chain goes on: the stored refresh token rotates again.
        const forced = await caller.run({ kind: 'force', accountId: account.id });
        expect(forced.outcomes).toEqual([{ token: expect.any(String) }]);
        expect(forced.outcomes[0]).not.toEqual({ token });
        expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(2);
        expect(emulator.refreshTokenReplays()).toBe(0);
      },
    );
  }
});

/**
 * `getAccessToken` from `worker`, one call after another, until `stop()`, or with `stopOnceAToken`
 * until the first call that got a token (at most `withinMs` more); either returns every outcome (or
 * rethrows what ended the loop early, e.g. the worker's death). Stopping twice is harmless.
 */
function keepCalling(
  worker: TokenWorker,
  accountId: string,
): { stop(): Promise<GetOutcome[]>; stopOnceAToken(withinMs: number): Promise<GetOutcome[]> } {
  let stopping = false;
  let untilToken = false;
  const outcomes: GetOutcome[] = [];
  const gotToken = () => outcomes.some((outcome) => 'token' in outcome);
  const loop = (async () => {
    while (!stopping && !(untilToken && gotToken())) {
      outcomes.push(...(await worker.run({ kind: 'get', accountId, calls: 1 })).outcomes);
      if (!stopping) await sleep(CALL_PACE_MS);
    }
  })();
  // Handled here, rethrown by stop(): a test that fails early must not leave an unhandled rejection.
  const ended = loop.then(
    () => undefined,
    (err: unknown) => err,
  );
  const stopped = async () => {
    const err = await ended;
    if (err) throw err;
    return outcomes;
  };
  return {
    stop() {
      stopping = true;
      return stopped();
    },
    async stopOnceAToken(withinMs: number) {
      untilToken = true;
      const deadline = setTimeout(() => (stopping = true), withinMs);
      try {
        return await stopped();
      } finally {
        clearTimeout(deadline);
      }
    },
  };
}
