import type { INestApplicationContext } from '@nestjs/common';
import {
  AtlassianApiClient,
  AtlassianError,
  AtlassianTokenService,
  TokenRefreshScheduler,
  type RefreshSweepResult,
  type TokenStatus,
} from '../../src/index.js';

/**
 * What a token worker does, in its own process or a benchmark's: each job calls one public entry of the
 * token lifecycle and reports outcomes a parent can compare (tokens and stable error codes, never messages).
 */

/** What a worker does: once on `go`, or on each `run`. */
export type TokenWorkerJob =
  /** `calls` concurrent `getAccessToken({ accountId })`. */
  | { kind: 'get'; accountId: string; calls: number }
  /** One `TokenRefreshScheduler.runOnce()`. */
  | { kind: 'sweep' }
  /** One `getAccessToken`, reported as `started` at once; after `go`, the process then stays up until killed. */
  | { kind: 'get-and-hang'; accountId: string }
  /** `calls` (default 1) concurrent `forceRefresh({ accountId })`. */
  | { kind: 'force'; accountId: string; calls?: number }
  /** `forgetTokens({ accountId })`. */
  | { kind: 'forget'; accountId: string }
  /** `getTokenStatus({ accountId })`. */
  | { kind: 'status'; accountId: string }
  /** The wall clock and time zone the app sees. */
  | { kind: 'clock' }
  /** `calls` concurrent Jira GETs for the account on a site, waiting out rate-limit pauses. */
  | { kind: 'jira'; accountId: string; cloudId: string; path: string; calls: number }
  /** `calls` concurrent Jira GETs as the service account `name` on a site. */
  | { kind: 'service-account-jira'; name: string; cloudId: string; path: string; calls: number };

/** A caller's outcome: its token, or the error code it got (tokens travel over IPC only, never to a log). */
export type GetOutcome = { token: string } | { errorCode: string };
/** A Jira call's outcome: answered, or the error code it got. */
export type ApiOutcome = { answered: true } | { errorCode: string };
/** Outcome of `forgetTokens`. */
export type ForgetOutcome = { forgotten: true } | { errorCode: string };
/** Outcome of `getTokenStatus`. */
export type StatusOutcome = { status: TokenStatus } | { errorCode: string };

/** Callers' outcomes, in call order. */
export type OutcomesResult<K extends 'get' | 'force'> = {
  kind: K;
  pid: number;
  outcomes: GetOutcome[];
  elapsedMs: number;
};

/** Jira calls' outcomes, in call order. */
export type ApiCallsResult<K extends 'jira' | 'service-account-jira'> = {
  kind: K;
  pid: number;
  outcomes: ApiOutcome[];
  elapsedMs: number;
};

/** What a worker reports back; `get-and-hang` reports as `get`. */
export type TokenWorkerResult =
  | OutcomesResult<'get'>
  | OutcomesResult<'force'>
  | {
      kind: 'sweep';
      pid: number;
      sweep: RefreshSweepResult;
      elapsedMs: number;
      cpuMs: number;
      rssAtGoBytes: number;
      maxRssBytes: number;
    }
  | ApiCallsResult<'jira'>
  | ApiCallsResult<'service-account-jira'>
  | { kind: 'forget'; pid: number; outcome: ForgetOutcome; elapsedMs: number }
  | { kind: 'status'; pid: number; outcome: StatusOutcome; elapsedMs: number }
  | {
      kind: 'clock';
      pid: number;
      nowMs: number;
      newDateMs: number;
      timeZone: string;
      utcOffsetMinutes: number;
    };

/** The result a job of type `J` gets. */
export type TokenWorkerResultOf<J extends TokenWorkerJob> = Extract<
  TokenWorkerResult,
  { kind: J['kind'] extends 'get-and-hang' ? 'get' : J['kind'] }
>;

/** The error code a caller reports: the package's stable `code`, else the error's name (never its message). */
export function errorCodeOf(err: unknown): string {
  return err instanceof AtlassianError ? err.code : ((err as Error)?.name ?? 'unknown');
}

/** Runs `calls` concurrent getAccessToken calls; each caller's token or error code, in call order. */
export function concurrentGets(
  app: INestApplicationContext,
  accountId: string,
  calls: number,
): Promise<GetOutcome[]> {
  return concurrently(calls, () => app.get(AtlassianTokenService).getAccessToken({ accountId }));
}

function concurrently(calls: number, call: () => Promise<string>): Promise<GetOutcome[]> {
  const attempt = () =>
    call().then(
      (token): GetOutcome => ({ token }),
      (err: unknown): GetOutcome => ({ errorCode: errorCodeOf(err) }),
    );
  return Promise.all(Array.from({ length: calls }, attempt));
}

/** Runs one job; `started` is awaited once a `get-and-hang` call is under way. A sweep that throws rejects. */
export async function runTokenJob(
  app: INestApplicationContext,
  job: TokenWorkerJob,
  started: () => Promise<void>,
): Promise<TokenWorkerResult> {
  const pid = process.pid;
  const startedAt = performance.now();
  const elapsedMs = () => performance.now() - startedAt;
  const tokens = app.get(AtlassianTokenService);
  switch (job.kind) {
    case 'get':
      return {
        kind: 'get',
        pid,
        outcomes: await concurrentGets(app, job.accountId, job.calls),
        elapsedMs: elapsedMs(),
      };
    case 'get-and-hang': {
      const outcomes = concurrentGets(app, job.accountId, 1);
      await started();
      // Reported if it ever finishes, so a parent expecting a crash mid-refresh can tell it did not happen.
      return { kind: 'get', pid, outcomes: await outcomes, elapsedMs: elapsedMs() };
    }
    case 'force': {
      const outcomes = await concurrently(job.calls ?? 1, () =>
        tokens.forceRefresh({ accountId: job.accountId }),
      );
      return { kind: 'force', pid, outcomes, elapsedMs: elapsedMs() };
    }
    case 'forget': {
      const outcome = await tokens.forgetTokens({ accountId: job.accountId }).then(
        (): ForgetOutcome => ({ forgotten: true }),
        (err: unknown): ForgetOutcome => ({ errorCode: errorCodeOf(err) }),
      );
      return { kind: 'forget', pid, outcome, elapsedMs: elapsedMs() };
    }
    case 'status': {
      const outcome = await tokens.getTokenStatus({ accountId: job.accountId }).then(
        (status): StatusOutcome => ({ status }),
        (err: unknown): StatusOutcome => ({ errorCode: errorCodeOf(err) }),
      );
      return { kind: 'status', pid, outcome, elapsedMs: elapsedMs() };
    }
    case 'sweep':
      return sweep(app, startedAt);
    case 'jira':
    case 'service-account-jira': {
      const api = app.get(AtlassianApiClient);
      const client = (
        job.kind === 'jira' ? api.forAccount(job.accountId) : api.forServiceAccount(job.name)
      ).jira(job.cloudId);
      const outcomes = await Promise.all(
        Array.from({ length: job.calls }, () =>
          client.get(job.path).then(
            (): ApiOutcome => ({ answered: true }),
            (err: unknown): ApiOutcome => ({ errorCode: errorCodeOf(err) }),
          ),
        ),
      );
      return { kind: job.kind, pid, outcomes, elapsedMs: elapsedMs() } as TokenWorkerResult;
    }
    case 'clock': {
      const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
      return {
        kind: 'clock',
        pid,
        nowMs: Date.now(),
        newDateMs: new Date().getTime(),
        timeZone,
        utcOffsetMinutes: -new Date().getTimezoneOffset(),
      };
    }
  }
}

async function sweep(app: INestApplicationContext, startedAt: number): Promise<TokenWorkerResult> {
  const rssAtGoBytes = process.memoryUsage().rss;
  const cpuAtGo = process.cpuUsage();
  const result = await app.get(TokenRefreshScheduler).runOnce();
  const elapsedMs = performance.now() - startedAt;
  const cpu = process.cpuUsage(cpuAtGo);
  const cpuMs = (cpu.user + cpu.system) / 1_000;
  return {
    kind: 'sweep',
    pid: process.pid,
    sweep: result,
    elapsedMs,
    cpuMs,
    rssAtGoBytes,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}
