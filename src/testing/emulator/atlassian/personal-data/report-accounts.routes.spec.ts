import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../../atlassian-emulator.js';
import { DEFAULT_EMULATOR_ACCOUNT_ID } from '../../emulator-defaults.js';
import {
  EMULATOR_ACTIVE_TEST_ACCOUNT_ID,
  EMULATOR_CLOSED_TEST_ACCOUNT_ID,
} from './personal-data-accounts.js';

const HOUR_MS = 3600_000;

describe('POST /app/report-accounts/', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const report = async (body: unknown, bearer: string | null = token) => {
    const response = await fetch(`${emulator.apiBaseURL}/app/report-accounts/`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(bearer === null ? {} : { authorization: `Bearer ${bearer}` }),
      },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      cyclePeriod: response.headers.get('cycle-period'),
      retryAfter: response.headers.get('retry-after'),
      body: text === '' ? undefined : (JSON.parse(text) as any),
    };
  };
  const accounts = (...ids: string[]) => ({
    accounts: ids.map((accountId) => ({
      accountId,
      updatedAt: emulator.clock.now().toISOString(),
    })),
  });

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start();
    token = emulator.issueTokens({ scopes: ['read:me'] }).access_token;
  });
  afterEach(() => emulator.stop());

  it('answers 204 with the default Cycle-Period when nothing is to be done', async () => {
    expect(await report(accounts('someone', EMULATOR_ACTIVE_TEST_ACCOUNT_ID))).toEqual({
      status: 204,
      cyclePeriod: 'P7D',
      retryAfter: null,
      body: undefined,
    });
    expect(emulator.personalData.reportedAccountIds()).toEqual([
      'someone',
      EMULATOR_ACTIVE_TEST_ACCOUNT_ID,
    ]);
    expect(emulator.personalData.reports[0]).toMatchObject({
      status: 204,
      callerAccountId: DEFAULT_EMULATOR_ACCOUNT_ID,
    });
  });

  it("answers closed for Atlassian's closed test id, and for accounts marked closed by now", async () => {
    emulator.personalData.markClosed('later', new Date(emulator.clock.nowMs() + HOUR_MS / 2));
    emulator.personalData.markClosed('gone');
    emulator.personalData.setCyclePeriod('P14D');
    const answer = await report(accounts(EMULATOR_CLOSED_TEST_ACCOUNT_ID, 'gone', 'later'));
    expect(answer).toMatchObject({ status: 200, cyclePeriod: 'P14D' });
    expect(answer.body).toEqual({
      accounts: [
        { accountId: EMULATOR_CLOSED_TEST_ACCOUNT_ID, status: 'closed' },
        { accountId: 'gone', status: 'closed' },
      ],
    });
    emulator.clock.advance(HOUR_MS / 2);
    expect((await report(accounts('later'))).body).toEqual({
      accounts: [{ accountId: 'later', status: 'closed' }],
    });
  });

  it("revokes a closed person's grants, unless told to keep them", async () => {
    emulator.personalData.markClosed(DEFAULT_EMULATOR_ACCOUNT_ID, undefined, { keepGrants: true });
    expect(emulator.isAccessTokenValid(token)).toBe(true);
    expect((await report(accounts(DEFAULT_EMULATOR_ACCOUNT_ID))).body).toEqual({
      accounts: [{ accountId: DEFAULT_EMULATOR_ACCOUNT_ID, status: 'closed' }],
    });
    emulator.personalData.markClosed(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect(emulator.isAccessTokenValid(token)).toBe(false);
    expect((await report(accounts('someone'))).status).toBe(401);
  });

  it('answers updated only for data fetched before the update', async () => {
    const before = new Date(emulator.clock.nowMs() - HOUR_MS).toISOString();
    const after = new Date(emulator.clock.nowMs() + HOUR_MS).toISOString();
    emulator.personalData.markUpdated(DEFAULT_EMULATOR_ACCOUNT_ID, { name: 'Ada King' });
    const answer = await report({
      accounts: [
        { accountId: DEFAULT_EMULATOR_ACCOUNT_ID, updatedAt: before },
        { accountId: DEFAULT_EMULATOR_ACCOUNT_ID, updatedAt: after },
      ],
    });
    expect(answer.body).toEqual({
      accounts: [{ accountId: DEFAULT_EMULATOR_ACCOUNT_ID, status: 'updated' }],
    });
    const me = await fetch(`${emulator.apiBaseURL}/me`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(((await me.json()) as { name: string }).name).toBe('Ada King');
  });

  it('refuses tokens that are not a live 3LO grant (401)', async () => {
    expect((await report(accounts('a'), null)).status).toBe(401);
    expect((await report(accounts('a'), 'not-a-token')).status).toBe(401);
    emulator.revokeGrant(DEFAULT_EMULATOR_ACCOUNT_ID);
    expect((await report(accounts('a'))).status).toBe(401);
    expect(emulator.personalData.reportedAccountIds()).toEqual([]);
    expect(emulator.personalData.reports.map((r) => r.status)).toEqual([401, 401, 401]);
  });

  it('refuses malformed reports and more than 90 accounts (400)', async () => {
    const ids = Array.from({ length: 91 }, (_, i) => `id-${i}`);
    const bad = [
      accounts(...ids),
      { accounts: [] },
      {},
      'not json',
      accounts('unknown'),
      accounts(''),
      { accounts: [{ accountId: 'a', updatedAt: 'yesterday' }] },
      { accounts: [{ accountId: 'a' }] },
    ];
    for (const body of bad) expect((await report(body)).status).toBe(400);
    expect((await report(accounts(...ids.slice(0, 90)))).status).toBe(204);
  });

  it('answers queued refusals: 429 with Retry-After, then failures, then normally', async () => {
    emulator.personalData.failReports({ status: 429, retryAfterSeconds: 30 });
    emulator.personalData.failReports({ status: 503, times: 2 });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push(await report(accounts('a')));
    expect(statuses.map((s) => [s.status, s.retryAfter])).toEqual([
      [429, '30'],
      [503, null],
      [503, null],
      [204, null],
    ]);
    expect(emulator.personalData.reportedAccountIds()).toEqual(['a']);
  });
});
