import { json, type EmulatorResponse } from '../server/http-helpers.js';

/** The body of a successful Atlassian token response. */
export interface EmulatorTokenResponse {
  access_token: string;
  expires_in: number;
  scope: string;
  token_type: 'Bearer';
  refresh_token?: string;
}

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

/** Atlassian's answer to a bad, used or expired authorization code. */
export const INVALID_CODE = oauthFailure(403, 'invalid_grant', 'Invalid authorization code');

/** Atlassian's answer to a refresh token that is unknown, expired, reused too late or revoked. */
export const INVALID_REFRESH_TOKEN = oauthFailure(
  403,
  'invalid_grant',
  'Unknown or invalid refresh token.',
);

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
