/**
 * Atlassian's personal data reporting API, as data (the user privacy guide for app developers):
 * `POST {apiBaseURL}/app/report-accounts/` with any live 3LO grant's bearer token, at most 90 accounts
 * a request; `204` nothing to do, `200` the accounts to act on, `429` with `Retry-After`; every answer
 * may carry `Cycle-Period`, how often each account is to be reported (default 7 days).
 * @internal
 */
export const REPORT_ACCOUNTS_PATH = '/app/report-accounts/';

/** Most accounts one report may carry. */
export const REPORT_ACCOUNTS_MAX = 90;

/** The optional scope of the API: requested alongside others, never alone. */
export const PERSONAL_DATA_SCOPE = 'report:personal-data';

/** The placeholder id Atlassian uses for an account it cannot name: never reported. */
export const UNKNOWN_ACCOUNT_ID = 'unknown';

/** One account of a report: its id and when the app fetched that person's data (RFC 3339). */
export interface ReportedAccount {
  accountId: string;
  updatedAt: string;
}

/** What Atlassian asks the app to do about an account: erase its data, or fetch it again. */
export type PersonalDataStatus = 'closed' | 'updated';

/** The request body of a report. */
export function reportBody(accounts: ReportedAccount[]): string {
  return JSON.stringify({ accounts });
}

/** The accounts of a `200` answer that need action; entries of another shape or status are left out. */
export function parseReportAnswer(body: unknown): Map<string, PersonalDataStatus> {
  const statuses = new Map<string, PersonalDataStatus>();
  const accounts = (body as { accounts?: unknown } | null)?.accounts;
  if (!Array.isArray(accounts)) return statuses;
  for (const entry of accounts) {
    const { accountId, status } = (entry ?? {}) as Record<string, unknown>;
    if (typeof accountId === 'string' && (status === 'closed' || status === 'updated'))
      statuses.set(accountId, status);
  }
  return statuses;
}

/** True for an id that may be reported: not empty, not `unknown`. */
export function isReportableAccountId(accountId: string | null | undefined): accountId is string {
  return (
    typeof accountId === 'string' && accountId.trim() !== '' && accountId !== UNKNOWN_ACCOUNT_ID
  );
}
