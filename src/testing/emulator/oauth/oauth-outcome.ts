import { json, type EmulatorResponse } from '../server/http-helpers.js';

/** An OAuth error answer: status plus the standard `error` / `error_description` pair. */
export interface OAuthFailure {
  ok: false;
  status: number;
  error: string;
  description: string;
}

/** Build an OAuth error answer. */
export function oauthFailure(status: number, error: string, description: string): OAuthFailure {
  return { ok: false, status, error, description };
}

/**
 * The code store's refusal of a bad, used or expired authorization code, in Atlassian's words; bitbucket.org's
 * token route answers with its own.
 */
export const INVALID_CODE = oauthFailure(403, 'invalid_grant', 'Invalid authorization code');

const NO_STORE = { 'cache-control': 'no-store', pragma: 'no-cache' };

/** A token endpoint's answer: the success body, or `{ error, error_description }`, never cached. */
export function oauthAnswer(outcome: { ok: true; body: unknown } | OAuthFailure): EmulatorResponse {
  if (outcome.ok) return json(200, outcome.body, NO_STORE);
  return json(
    outcome.status,
    { error: outcome.error, error_description: outcome.description },
    NO_STORE,
  );
}
