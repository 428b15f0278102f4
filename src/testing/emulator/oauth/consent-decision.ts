import type { EmulatorUser } from '../emulator.types.js';
import { redirect, withQuery, type EmulatorResponse } from '../server/http-helpers.js';
import { authorizeErrorPage, type ConsentHost } from './consent-page.js';
import type { EmulatorDirectory } from './emulator-directory.js';
import type { ConsentRequest, PendingConsents } from './pending-consents.js';

/** Where a consent decision is taken, and how that server turns an approval into a code. */
export interface ConsentDecisionContext {
  host: ConsentHost;
  directory: EmulatorDirectory;
  consents: PendingConsents;
  /** Mint an authorization code for `user` and the consented request. */
  issueCode(request: ConsentRequest, user: EmulatorUser): string;
}

/** The callback URL an approval sends the browser to: `code` and, when the request had one, `state`. */
export function approvalLocation(request: ConsentRequest, code: string): string {
  return withQuery(request.redirectUri, { code, state: request.state || undefined });
}

/** Handle the consent form's POST: check it, then redirect to the callback with a code or `access_denied`. */
export function decideConsent(
  context: ConsentDecisionContext,
  fields: Record<string, string>,
): EmulatorResponse {
  const { host, directory } = context;
  const decision = fields.decision;
  if (decision !== 'approve' && decision !== 'deny')
    return authorizeErrorPage('decision', 'must be approve or deny', host);
  const accountId = fields.account_id;
  const user = accountId ? directory.user(accountId) : directory.signedInUser();
  if (!user) return authorizeErrorPage('account_id', `unknown user "${accountId ?? ''}"`, host);
  const request = context.consents.take(fields.request_id);
  if (!request)
    return authorizeErrorPage(
      'request_id',
      'unknown, already used or expired (10 minutes): start again',
      host,
    );
  if (decision === 'deny') {
    return redirect(
      withQuery(request.redirectUri, {
        error: 'access_denied',
        error_description: 'User did not authorize the request',
        state: request.state || undefined,
      }),
    );
  }
  return redirect(approvalLocation(request, context.issueCode(request, user)));
}
