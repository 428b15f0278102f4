import type { EmulatorClock } from './emulator-clock.js';
import { mintAccessToken, mintId, mintRefreshToken } from './emulator-credentials.js';
import { INVALID_REFRESH_TOKEN, type EmulatorTokenResponse, type OAuthFailure } from './oauth-outcome.js';

/** Token lifetimes, in seconds. */
export interface EmulatorTokenDurations {
  accessTokenTtlSeconds: number;
  refreshLeewaySeconds: number;
  inactivityExpirySeconds: number;
  absoluteExpirySeconds: number;
}

/** One consent turned into a chain of tokens (created by a code exchange). */
export interface EmulatorGrant {
  id: string;
  clientId: string;
  accountId: string;
  scopes: string[];
  consentedAtMs: number;
  revoked: boolean;
}

interface AccessTokenRecord {
  grantId: string;
  expiresAtMs: number;
}

interface RefreshTokenRecord {
  grantId: string;
  issuedAtMs: number;
  /** Access token issued in the same response; it dies with this token's leeway. */
  accessToken: string;
  usedAtMs?: number;
  uses: number;
}

/** A successful token answer; `reused` marks a refresh done with an already used refresh token. */
export interface TokenSuccess {
  ok: true;
  grant: EmulatorGrant;
  body: EmulatorTokenResponse;
  reused?: boolean;
}

/** Grants, access tokens and rotating refresh tokens, timed by the emulator clock. */
export class EmulatorTokenStore {
  private readonly grants = new Map<string, EmulatorGrant>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();

  constructor(
    private readonly clock: EmulatorClock,
    private readonly durations: EmulatorTokenDurations,
  ) {}

  /** Start a grant after a successful code exchange and issue its first tokens. */
  createGrant(input: Omit<EmulatorGrant, 'id' | 'revoked'>): TokenSuccess {
    const grant: EmulatorGrant = { ...input, scopes: [...input.scopes], id: mintId(), revoked: false };
    this.grants.set(grant.id, grant);
    return { ok: true, grant, body: this.issue(grant) };
  }

  /** Rotate `refreshToken`: a new pair, or a refusal (which revokes the grant on a late reuse). */
  refresh(clientId: string, refreshToken: string): TokenSuccess | OAuthFailure {
    const record = this.refreshTokens.get(refreshToken);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant || grant.revoked || grant.clientId !== clientId) return INVALID_REFRESH_TOKEN;
    const now = this.clock.nowMs();
    if (now >= grant.consentedAtMs + this.durations.absoluteExpirySeconds * 1000) return INVALID_REFRESH_TOKEN;
    if (record.usedAtMs !== undefined && now >= record.usedAtMs + this.durations.refreshLeewaySeconds * 1000) {
      // A late replay means two holders of the chain: Atlassian kills the whole chain, so do we.
      grant.revoked = true;
      return INVALID_REFRESH_TOKEN;
    }
    if (record.usedAtMs === undefined && now >= record.issuedAtMs + this.durations.inactivityExpirySeconds * 1000) {
      return INVALID_REFRESH_TOKEN;
    }
    const reused = record.usedAtMs !== undefined;
    if (!reused) this.markUsed(record, now);
    record.uses += 1;
    return { ok: true, grant, body: this.issue(grant), ...(reused ? { reused } : {}) };
  }

  /** The live grant behind `accessToken`, or undefined when unknown, expired or revoked. */
  grantForAccessToken(accessToken: string): EmulatorGrant | undefined {
    const record = this.accessTokens.get(accessToken);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant || grant.revoked || this.clock.nowMs() >= record.expiresAtMs) return undefined;
    return grant;
  }

  /** How many successful refreshes `refreshToken` has done. */
  refreshTokenUses(refreshToken: string): number {
    return this.refreshTokens.get(refreshToken)?.uses ?? 0;
  }

  /** Kill one grant and every token it issued. */
  revokeGrant(grantId: string): void {
    const grant = this.grants.get(grantId);
    if (grant) grant.revoked = true;
  }

  /** Kill every grant of `accountId` (the user removed the app); returns how many were live. */
  revokeAccount(accountId: string): number {
    let revoked = 0;
    for (const grant of this.grants.values()) {
      if (grant.accountId !== accountId || grant.revoked) continue;
      grant.revoked = true;
      revoked += 1;
    }
    return revoked;
  }

  private markUsed(record: RefreshTokenRecord, now: number): void {
    record.usedAtMs = now;
    const leewayEndMs = now + this.durations.refreshLeewaySeconds * 1000;
    const access = this.accessTokens.get(record.accessToken);
    if (access) access.expiresAtMs = Math.min(access.expiresAtMs, leewayEndMs);
  }

  private issue(grant: EmulatorGrant): EmulatorTokenResponse {
    const now = this.clock.nowMs();
    const accessToken = mintAccessToken();
    this.accessTokens.set(accessToken, { grantId: grant.id, expiresAtMs: now + this.durations.accessTokenTtlSeconds * 1000 });
    const body: EmulatorTokenResponse = {
      access_token: accessToken,
      expires_in: this.durations.accessTokenTtlSeconds,
      scope: grant.scopes.join(' '),
      token_type: 'Bearer',
    };
    if (grant.scopes.includes('offline_access')) {
      body.refresh_token = mintRefreshToken();
      this.refreshTokens.set(body.refresh_token, { grantId: grant.id, issuedAtMs: now, accessToken, uses: 0 });
    }
    return body;
  }
}
