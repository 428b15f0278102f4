import type { GetOutcome } from './token-worker-jobs.js';
import type { TappedExchange } from './lifecycle-property-token-tap.js';

/**
 * The oracle of the claim-protocol property: what one run recorded (the model's events, the token
 * exchanges every process made, the rows after each step and at the end), and the invariants it must
 * satisfy. Its only excuse is the one the protocol cannot avoid with a provider that allows no reuse: a
 * rotation answered to a process that was killed before it could store the new pair loses that grant.
 * Such a rotation is identified exactly (the killed process's own token exchange, answered 200, whose
 * new refresh token nobody ever held), and only its replays and its account, until that person signs in
 * again, are excused.
 */

/** A row as the test reads it: decrypted tokens, and (at the end) what the emulator says of them. */
export interface RowState {
  id: string;
  status: string;
  leaseOwner: string | null;
  scopes: string[];
  accessToken: string | null;
  refreshToken: string | null;
  /** Final rows only. */
  accessTokenValid?: boolean;
  refreshTokenUses?: number;
}

/** A successful sign-in or forget: the person's latest word on the account. */
export interface OwnershipEvent {
  step: number;
  account: number;
  kind: 'signIn' | 'forget';
  /** The authorization code of the sign-in's grant. */
  code?: string;
}

/** A get or force job and what its callers got. */
export interface CallRecord {
  step: number;
  kind: 'get' | 'force';
  worker: number;
  account: number;
  /** Real time the job was sent, and answered (or failed). */
  sentAt: number;
  doneAt: number;
  outcomes: GetOutcome[];
  /** The job itself failed (its worker was killed, or gone). */
  failure?: string;
}

export interface RunRecord {
  settings: { accessTokenTtlMs: number; clockSpreadMs: number; storeBudgetMs: number };
  /** Row id of each account index. */
  accountIds: string[];
  /** Every sign-in attempt's authorization code, with its account (attempts that failed included). */
  codes: Map<string, number>;
  ownership: OwnershipEvent[];
  kills: Array<{ step: number; tap: string; incarnation: number; at: number }>;
  outages: Array<{ from: number; to: number }>;
  calls: CallRecord[];
  /** Rows after each step (index = step). */
  snapshots: Array<{ step: number; rows: RowState[] }>;
  final?: { rows: RowState[]; emulatorReplays: number; emulatorRefreshCalls: number };
  exchanges: TappedExchange[];
}

interface IssuedToken {
  grant: string;
  account: number;
  exchange: TappedExchange;
}

/** Margin for work between an answer and what the test sees of it (IPC, one event-loop turn). */
const SLACK_MS = 1_000;

/** Violations of the invariants in `record` (empty: the run passes). Without `final`, checks what is certain so far. */
export function checkRun(record: RunRecord): string[] {
  const violations: string[] = [];
  const issued = traceGrants(record, violations);
  const refreshes = record.exchanges.filter((e) => e.grantType === 'refresh_token');
  const lostRotations = findLostRotations(record, refreshes);

  // No refresh token presented twice, but for one whose rotation a crash took.
  const byToken = groupBy(refreshes, (e) => e.presented);
  let excusedReplays = 0;
  for (const [token, uses] of byToken) {
    if (uses.length < 2) continue;
    if (lostRotations.has(token)) {
      excusedReplays += uses.length - 1;
      continue;
    }
    const owner = issued.get(token);
    const lines = uses.map(
      (e) =>
        `${e.tap}#${e.incarnation} at ${time(record, e.sentAt)} -> ${e.status}${e.delivered ? '' : ' (answer not delivered: its process was gone or had timed out)'}`,
    );
    violations.push(
      `refresh token of account a${owner?.account ?? '?'} presented ${uses.length} times: ${lines.join('; ')}`,
    );
  }
  if (record.final) {
    const seen = [...byToken.values()].reduce((sum, uses) => sum + uses.length - 1, 0);
    if (record.final.emulatorReplays !== seen)
      violations.push(
        `the emulator counted ${record.final.emulatorReplays} replayed refresh tokens, the taps ${seen}`,
      );
    if (record.final.emulatorRefreshCalls !== refreshes.length)
      violations.push(
        `the emulator saw ${record.final.emulatorRefreshCalls} refreshes, the taps ${refreshes.length}`,
      );
    if (excusedReplays === 0 && record.final.emulatorReplays !== 0)
      violations.push(`${record.final.emulatorReplays} refresh tokens used twice`);
  }

  const grantOfCode = (code: string | undefined) =>
    code === undefined
      ? undefined
      : [...issued.values()].find(
          (t) => t.exchange.grantType === 'authorization_code' && t.exchange.presented === code,
        );
  // A grant lost to a crash, from the step of that crash on.
  const lostGrants = new Map<string, number>();
  for (const [token, exchange] of lostRotations) {
    const grant = issued.get(token)?.grant;
    const step = record.kills.find(
      (k) => k.tap === exchange.tap && k.incarnation === exchange.incarnation,
    )!.step;
    if (grant !== undefined) lostGrants.set(grant, Math.min(step, lostGrants.get(grant) ?? step));
  }
  const checkRows = (step: number, rows: RowState[], final: boolean) => {
    for (const [account, id] of record.accountIds.entries()) {
      const row = rows.find((r) => r.id === id);
      const where = final ? `at the end` : `after step ${step}`;
      if (!row) {
        violations.push(`account a${account} has no row ${where}`);
        continue;
      }
      const latest = record.ownership.filter((e) => e.account === account && e.step <= step).at(-1);
      if (!latest) continue;
      if (latest.kind === 'forget') {
        if (
          row.status !== 'revoked' ||
          row.accessToken !== null ||
          row.refreshToken !== null ||
          row.leaseOwner !== null
        ) {
          violations.push(
            `account a${account}, forgotten in step ${latest.step}, is ${row.status} with ${describeTokens(row, issued)}${row.leaseOwner ? ' and a lease' : ''} ${where}`,
          );
        }
        continue;
      }
      const grant = grantOfCode(latest.code);
      if (!grant) {
        violations.push(
          `the grant of account a${account}'s sign-in in step ${latest.step} was not seen at the token endpoint`,
        );
        continue;
      }
      if ((lostGrants.get(grant.grant) ?? Number.POSITIVE_INFINITY) <= step) continue;
      const problems: string[] = [];
      if (row.status !== 'active') problems.push(`status ${row.status}`);
      const accessGrant = row.accessToken ? issued.get(row.accessToken)?.grant : undefined;
      const refreshGrant = row.refreshToken ? issued.get(row.refreshToken)?.grant : undefined;
      if (accessGrant !== grant.grant || refreshGrant !== grant.grant)
        problems.push(
          `tokens ${describeTokens(row, issued)}, not those of its newest grant ${grantName(grant.grant, issued)}`,
        );
      const scopes = grant.exchange.scope?.split(' ') ?? [];
      if ([...row.scopes].sort().join(' ') !== [...scopes].sort().join(' '))
        problems.push(
          `scopes "${row.scopes.join(' ')}", not the newest grant's "${scopes.join(' ')}"`,
        );
      if (final) {
        if (row.leaseOwner !== null) problems.push('a lease still set');
        if (!row.accessTokenValid) problems.push('an access token the provider refuses');
        if (row.refreshTokenUses !== 0)
          problems.push(`a refresh token already used ${row.refreshTokenUses} time(s)`);
      }
      if (problems.length > 0)
        violations.push(
          `account a${account} (signed in at step ${latest.step}) ${where}: ${problems.join(', ')}`,
        );
    }
  };
  for (const snapshot of record.snapshots) checkRows(snapshot.step, snapshot.rows, false);
  if (record.final) checkRows(Number.POSITIVE_INFINITY, record.final.rows, true);

  checkCalls(record, issued, violations);
  return violations;
}

/**
 * Follows every grant from its code exchange through its rotations: which grant (and account) each
 * access and refresh token belongs to. Exchanges are replayed in the order they were answered, so a
 * rotation always comes after the one that issued the token it presents.
 */
function traceGrants(record: RunRecord, violations: string[]): Map<string, IssuedToken> {
  const issued = new Map<string, IssuedToken>();
  const answered = [...record.exchanges]
    .filter((e) => e.status === 200)
    .sort((a, b) => a.answeredAt - b.answeredAt);
  let grants = 0;
  for (const exchange of answered) {
    let owner: Omit<IssuedToken, 'exchange'> | undefined;
    if (exchange.grantType === 'authorization_code') {
      const account = record.codes.get(exchange.presented);
      owner = account === undefined ? undefined : { grant: `g${grants++}`, account };
    } else {
      const parent = issued.get(exchange.presented);
      owner = parent && { grant: parent.grant, account: parent.account };
    }
    if (!owner) {
      violations.push(
        `${exchange.tap} exchanged a ${exchange.grantType === 'authorization_code' ? 'code' : 'refresh token'} this run never issued`,
      );
      continue;
    }
    for (const token of [exchange.accessToken, exchange.refreshToken])
      if (token) issued.set(token, { ...owner, exchange });
  }
  return issued;
}

/**
 * Refresh tokens whose rotation a crash took: presented by a process that was then killed, answered
 * 200, and whose new refresh token nobody ever presented or stored (the process died before storing
 * it). Without the final rows, every such answer to a killed process counts (lenient: only certain
 * violations are reported mid-run).
 */
function findLostRotations(
  record: RunRecord,
  refreshes: TappedExchange[],
): Map<string, TappedExchange> {
  const killed = new Set(record.kills.map((k) => `${k.tap}#${k.incarnation}`));
  const presented = new Set(refreshes.map((e) => e.presented));
  const stored = new Set((record.final?.rows ?? []).map((row) => row.refreshToken));
  const lost = new Map<string, TappedExchange>();
  for (const exchange of refreshes) {
    if (exchange.status !== 200 || !killed.has(`${exchange.tap}#${exchange.incarnation}`)) continue;
    const orphan =
      exchange.refreshToken !== undefined &&
      !presented.has(exchange.refreshToken) &&
      !stored.has(exchange.refreshToken);
    if (!record.final || orphan) lost.set(exchange.presented, exchange);
  }
  return lost;
}

/**
 * What callers were handed: a token of their own account, not past its lifetime when they asked
 * (within the processes' clock spread), and, for forceRefresh, a token issued after they asked (within
 * the clock spread, plus the store budget when an outage may have delayed the store that dated it).
 */
function checkCalls(
  record: RunRecord,
  issued: Map<string, IssuedToken>,
  violations: string[],
): void {
  const { accessTokenTtlMs, clockSpreadMs, storeBudgetMs } = record.settings;
  for (const call of record.calls) {
    const label = `${call.kind} of a${call.account} on w${call.worker} in step ${call.step} (sent at ${time(record, call.sentAt)})`;
    for (const outcome of call.outcomes) {
      if (!('token' in outcome)) continue;
      const token = issued.get(outcome.token);
      if (!token || token.account !== call.account) {
        violations.push(
          `${label} handed out ${token ? `a token of account a${token.account}` : 'a token no exchange issued'}`,
        );
        continue;
      }
      if (token.exchange.sentAt + accessTokenTtlMs < call.sentAt - clockSpreadMs - SLACK_MS) {
        violations.push(
          `${label} handed out an access token that had expired ${call.sentAt - token.exchange.sentAt - accessTokenTtlMs} ms before`,
        );
      }
      if (call.kind === 'force') {
        const delayedStore = record.outages.some(
          (o) => o.to >= token.exchange.answeredAt && o.from <= call.sentAt,
        );
        const toleranceMs = clockSpreadMs + SLACK_MS + (delayedStore ? storeBudgetMs : 0);
        const ageMs = call.sentAt - token.exchange.answeredAt;
        if (ageMs > toleranceMs)
          violations.push(
            `${label} answered a token issued ${ageMs} ms before it was asked (allowed: ${toleranceMs} ms), without refreshing`,
          );
      }
    }
  }
}

function describeTokens(row: RowState, issued: Map<string, IssuedToken>): string {
  if (row.accessToken === null && row.refreshToken === null) return 'no tokens';
  const name = (token: string | null) =>
    token === null
      ? 'none'
      : token && issued.has(token)
        ? `${grantName(issued.get(token)!.grant, issued)}`
        : 'unknown';
  return `access of ${name(row.accessToken)}, refresh of ${name(row.refreshToken)}`;
}

function grantName(grant: string, issued: Map<string, IssuedToken>): string {
  const any = [...issued.values()].find((t) => t.grant === grant);
  return any ? `${grant} (a${any.account})` : grant;
}

/** Milliseconds since the first exchange of the run, for messages. */
function time(record: RunRecord, at: number): string {
  const start = record.exchanges[0]?.sentAt ?? at;
  return `+${at - start} ms`;
}

function groupBy<T>(items: T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return groups;
}
