import { AUTHORIZATION_TTL_SECONDS } from '../emulator-defaults.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import {
  isValidCodeVerifier,
  mintAuthorizationCode,
  verifiesS256,
} from './emulator-credentials.js';
import { INVALID_CODE, oauthFailure, type OAuthFailure } from './oauth-outcome.js';

/** What a code was issued for; the exchange must agree with it. */
export interface AuthorizationCodeGrant {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  accountId: string;
  /** S256 challenge, when the authorize request carried one. */
  codeChallenge?: string;
  /** Emulator time of the consent (start of the absolute expiry). */
  consentedAtMs: number;
}

interface CodeRecord extends AuthorizationCodeGrant {
  expiresAtMs: number;
  used: boolean;
  /** Grant created by the first exchange, revoked if the code is replayed. */
  grantId?: string;
}

/** What a token request presents with a code. */
export interface CodeRedemption {
  clientId: string;
  redirectUri: string | undefined;
  codeVerifier: string | undefined;
}

/** A rejected redemption; `replayedGrantId` names the grant to revoke when a used code came back. */
export type CodeRejection = OAuthFailure & { replayedGrantId?: string };

/** One-time authorization codes, bound to client, redirect_uri, scopes, user and PKCE challenge. */
export class EmulatorCodeStore {
  private readonly codes = new Map<string, CodeRecord>();

  constructor(private readonly clock: EmulatorClock) {}

  /** Mint a code valid for ten minutes of emulator time. */
  issue(grant: AuthorizationCodeGrant): string {
    const code = mintAuthorizationCode();
    const expiresAtMs = this.clock.nowMs() + AUTHORIZATION_TTL_SECONDS * 1000;
    this.codes.set(code, { ...grant, scopes: [...grant.scopes], expiresAtMs, used: false });
    return code;
  }

  /** Check and consume `code`; failed checks of a valid code leave it usable. */
  redeem(
    code: string,
    redemption: CodeRedemption,
  ): { ok: true; grant: AuthorizationCodeGrant } | CodeRejection {
    const record = this.codes.get(code);
    if (!record || record.clientId !== redemption.clientId) return INVALID_CODE;
    if (record.used) return { ...INVALID_CODE, replayedGrantId: record.grantId };
    if (this.clock.nowMs() >= record.expiresAtMs) return INVALID_CODE;
    if (redemption.redirectUri !== record.redirectUri) return INVALID_CODE;
    const pkceFailure = checkVerifier(record.codeChallenge, redemption.codeVerifier);
    if (pkceFailure) return pkceFailure;
    record.used = true;
    return { ok: true, grant: record };
  }

  /** Remember which grant `code` produced, so a replay can revoke it. */
  bindGrant(code: string, grantId: string): void {
    const record = this.codes.get(code);
    if (record) record.grantId = grantId;
  }
}

function checkVerifier(
  challenge: string | undefined,
  verifier: string | undefined,
): OAuthFailure | undefined {
  // Without a challenge the verifier is ignored, as Atlassian does for clients that send one anyway.
  if (challenge === undefined) return undefined;
  if (verifier === undefined)
    return oauthFailure(400, 'invalid_request', 'Missing parameter: code_verifier');
  if (!isValidCodeVerifier(verifier))
    return oauthFailure(400, 'invalid_request', 'Invalid parameter: code_verifier');
  return verifiesS256(verifier, challenge) ? undefined : INVALID_CODE;
}
