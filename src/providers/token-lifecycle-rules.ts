import type { ProviderHttpError } from './provider-http.js';

/** A token-endpoint answer that means "the user must consent again": its `error`, and when needed its description. */
export interface RefreshRefusal {
  error: string;
  /** Only a description matching this makes the error final (the same `error` also covers request bugs). */
  description?: RegExp;
}

/** What a provider does with refresh tokens and grants over time: the facts the scheduled jobs plan by. */
export interface TokenLifecycleRules {
  /** Answers to a refresh that mean the grant is gone; anything else may pass and keeps the tokens. */
  refreshRefusals: readonly RefreshRefusal[];
  /** The access token lifetime the token endpoint grants (`expires_in`): for planning only, expiry is read from each answer. */
  accessTokenLifetimeSeconds: number;
  /** A refresh token unused this long dies. */
  refreshTokenInactivityDays: number;
  /** A used refresh token stays usable this long after its first use; reuse after it revokes the grant. */
  refreshTokenReuseLeewaySeconds: number;
  /** Every refresh is refused this long after the consent (null: no such limit). */
  consentLifetimeDays: number | null;
}

/** True when the provider's refusal means the account needs a new consent. */
export function isFinalRefusal(rules: TokenLifecycleRules, err: ProviderHttpError): boolean {
  if (err.kind !== 'refused' || !err.oauthError) return false;
  return rules.refreshRefusals.some(
    (refusal) =>
      refusal.error === err.oauthError &&
      (!refusal.description || refusal.description.test(err.oauthErrorDescription ?? '')),
  );
}
