import { setTimeout as sleep } from 'node:timers/promises';
import { expect } from 'vitest';
import { tokenBinding, type LinkedAccount } from '../../src/index.js';
import type { GetOutcome } from '../fixtures/token-worker.js';
import type { LifecycleScenario } from './lifecycle-mp-scenario.js';
import type { SeededAccount } from './seed-accounts.js';
import { storedAccount, storedAccounts } from './stored-accounts.js';

const ROW_POLL_MS = 50;

/** The one token every caller got; fails on any error or on a second token. */
export function sameTokenForAll(results: Array<{ outcomes: GetOutcome[] }>, calls: number): string {
  const outcomes = results.flatMap((result) => result.outcomes);
  expect(outcomes).toHaveLength(calls);
  expect(outcomes.filter((outcome) => 'errorCode' in outcome)).toEqual([]);
  const tokens = new Set(outcomes.map((outcome) => (outcome as { token: string }).token));
  expect(tokens.size).toBe(1);
  return [...tokens][0];
}

/**
 * The grant is alive and the row holds what the one refresh of `account` returned: `token` stored and
 * valid on the emulator, the seeded refresh token spent once, the stored one unused, no lease, active.
 */
export async function expectRotatedPairStored(
  scenario: LifecycleScenario,
  account: SeededAccount,
  token: string,
): Promise<LinkedAccount> {
  const { emulator, dataSource, cipher } = scenario;
  const row = await storedAccount(dataSource, account.id);
  expect(token).not.toBe(account.accessToken);
  expect(cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access'))).toBe(token);
  expect(emulator.isAccessTokenValid(token)).toBe(true);
  expect(emulator.refreshTokenUses(account.refreshToken)).toBe(1);
  expect(
    emulator.refreshTokenUses(
      cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
    ),
  ).toBe(0);
  expect(row).toMatchObject({
    status: 'active',
    refreshLeaseOwner: null,
    refreshLeaseExpiresAt: null,
    refreshFailureCount: 0,
  });
  return row;
}

/** {@link expectRotatedPairStored} over many accounts: what is wrong with each, as one list (empty when all is well). */
export async function rotatedPairProblems(
  scenario: LifecycleScenario,
  accounts: SeededAccount[],
): Promise<string[]> {
  const { emulator, dataSource, cipher } = scenario;
  const rows = new Map(
    (
      await storedAccounts(
        dataSource,
        accounts.map((account) => account.id),
      )
    ).map((row) => [row.id, row]),
  );
  return accounts.flatMap((account) => {
    const row = rows.get(account.id)!;
    const found: string[] = [];
    if (emulator.refreshTokenUses(account.refreshToken) !== 1)
      found.push(
        `seeded refresh token used ${emulator.refreshTokenUses(account.refreshToken)} times`,
      );
    if (
      emulator.refreshTokenUses(
        cipher.decrypt(row.refreshTokenEncrypted!, tokenBinding(row.id, 'refresh')),
      ) !== 0
    )
      found.push('stored refresh token already used');
    if (
      !emulator.isAccessTokenValid(
        cipher.decrypt(row.accessTokenEncrypted, tokenBinding(row.id, 'access')),
      )
    )
      found.push('stored access token not valid');
    if (row.status !== 'active' || row.refreshLeaseOwner !== null)
      found.push(`status ${row.status}, lease ${row.refreshLeaseOwner}`);
    return found.map((problem) => `${account.providerAccountId}: ${problem}`);
  });
}

/** Polls the stored row until `done` holds; fails after `timeoutMs`. */
export async function waitForRow(
  scenario: LifecycleScenario,
  id: string,
  done: (row: LinkedAccount) => boolean,
  timeoutMs: number,
): Promise<LinkedAccount> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const row = await storedAccount(scenario.dataSource, id);
    if (done(row)) return row;
    if (performance.now() > deadline) {
      throw new Error(
        `account ${id} did not reach the expected state within ${timeoutMs} ms (lease owner ${row.refreshLeaseOwner}, status ${row.status})`,
      );
    }
    await sleep(ROW_POLL_MS);
  }
}
