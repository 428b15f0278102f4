import type { EmulatorRequest, EmulatorRouteModule } from '../../server/emulator-router.js';
import { json, type EmulatorResponse } from '../../server/http-helpers.js';
import { UNAUTHORIZED, authenticateCaller, isRefusal } from '../atlassian-api-access.js';
import type { AtlassianState } from '../atlassian-state.js';
import { REPORT_ACCOUNTS_MAX, type PersonalDataAccounts } from './personal-data-accounts.js';

/** One account of a report, as the body names it. */
interface ReportedAccount {
  accountId: string;
  updatedAtMs: number;
}

/**
 * api.atlassian.com's personal data reporting: `POST /app/report-accounts/` with a user's 3LO token and
 * `{ accounts: [{ accountId, updatedAt }] }` (1 to 90). `204` when nothing is to be done, else `200` with
 * the accounts to erase (`closed`) or fetch again (`updated`); every answer carries `Cycle-Period`.
 */
export function reportAccountsRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'POST',
        path: '/app/report-accounts/',
        route: 'report-accounts',
        handle: (request) => reportAccounts(atlassian, request),
      },
    ],
  };
}

function reportAccounts(atlassian: AtlassianState, request: EmulatorRequest): EmulatorResponse {
  const parsed = parseReport(request);
  const caller = authenticateCaller(atlassian, request);
  // Only a person's 3LO grant reports: a service account's token is refused as an unknown one.
  const callerAccountId = isRefusal(caller) ? undefined : caller.user?.accountId;
  const response = answer(atlassian.personalData, parsed, callerAccountId);
  atlassian.personalData.record({
    at: atlassian.clock.now(),
    status: response.status,
    accountIds: Array.isArray(parsed) ? parsed.map((account) => account.accountId) : [],
    ...(callerAccountId !== undefined && { callerAccountId }),
  });
  return response;
}

function answer(
  reports: PersonalDataAccounts,
  parsed: ReportedAccount[] | string,
  callerAccountId: string | undefined,
): EmulatorResponse {
  if (callerAccountId === undefined) return UNAUTHORIZED();
  const failure = reports.takeFailure();
  if (failure) {
    const retryAfter: Record<string, string> =
      failure.retryAfterSeconds === undefined
        ? {}
        : { 'retry-after': String(failure.retryAfterSeconds) };
    return json(failure.status, { code: failure.status, message: 'Emulated failure' }, retryAfter);
  }
  if (!Array.isArray(parsed)) return json(400, { code: 400, message: parsed });
  const headers = { 'cycle-period': reports.cyclePeriod };
  const actions = parsed.flatMap(({ accountId, updatedAtMs }) => {
    const status = reports.statusOf(accountId, updatedAtMs);
    return status ? [{ accountId, status }] : [];
  });
  if (actions.length === 0) return { status: 204, headers, body: '' };
  return json(200, { accounts: actions }, headers);
}

/** The accounts of a well-formed report, or why it is not one. */
function parseReport(request: EmulatorRequest): ReportedAccount[] | string {
  const { value, error } = request.body;
  if (error || !value) return error ?? 'Send a JSON body { accounts: [{ accountId, updatedAt }] }';
  const accounts = value.accounts;
  if (!Array.isArray(accounts) || accounts.length === 0)
    return '"accounts" must be a non-empty array';
  if (accounts.length > REPORT_ACCOUNTS_MAX)
    return `At most ${REPORT_ACCOUNTS_MAX} accounts per request, got ${accounts.length}`;
  const parsed: ReportedAccount[] = [];
  for (const [index, account] of accounts.entries()) {
    const { accountId, updatedAt } = (account ?? {}) as Record<string, unknown>;
    if (typeof accountId !== 'string' || accountId === '' || accountId === 'unknown')
      return `accounts[${index}].accountId must be an Atlassian account id`;
    const updatedAtMs = typeof updatedAt === 'string' ? Date.parse(updatedAt) : NaN;
    if (!RFC_3339.test(String(updatedAt)) || Number.isNaN(updatedAtMs))
      return `accounts[${index}].updatedAt must be an RFC 3339 date-time`;
    parsed.push({ accountId, updatedAtMs });
  }
  return parsed;
}

const RFC_3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
