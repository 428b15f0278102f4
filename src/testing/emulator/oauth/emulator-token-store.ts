import type { EmulatorClock } from '../server/emulator-clock.js';
import { mintId } from './emulator-credentials.js';
import type { OAuthFailure } from './oauth-outcome.js';
import type { IssuingGrantType, TokenProfile } from './token-profile.js';

/** Token lifetimes, in seconds. */
export interface EmulatorTokenDurations {
  accessTokenTtlSeconds: number;
  refreshLeewaySeconds: number;
  inactivityExpirySeconds: number;
  absoluteExpirySeconds: number;
}

/** One consent turned into a chain of tokens (created by a code exchange), or one client-credentials token. */
export interface EmulatorGrant {
  id: string;
  clientId: string;
  accountId: string;
  scopes: string[];
  consentedAtMs: number;
  revoked: boolean;
  /** How the grant began: a user's consent (`authorization_code`) or a service account's `client_credentials`. */
  origin: 'authorization_code' | 'client_credentials';
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
export interface TokenSuccess<TBody> {
  ok: true;
  grant: EmulatorGrant;
  body: TBody;
  reused?: boolean;
}

/** Grants, access tokens and rotating refresh tokens, timed by the emulator clock; one store per authorization server. */
export class EmulatorTokenStore<TBody> {
  private readonly grants = new Map<string, EmulatorGrant>();
  private readonly accessTokens = new Map<string, AccessTokenRecord>();
  private readonly refreshTokens = new Map<string, RefreshTokenRecord>();
  private readonly durations: EmulatorTokenDurations;

  constructor(
    private readonly clock: EmulatorClock,
    private readonly profile: TokenProfile<TBody>,
  ) {
    this.durations = profile.durations;
  }

  /** Start a grant after a successful code exchange (or a client-credentials request) and issue its first tokens. */
  createGrant(
    input: Omit<EmulatorGrant, 'id' | 'revoked' | 'origin'>,
    origin: EmulatorGrant['origin'] = 'authorization_code',
  ): TokenSuccess<TBody> {
    const grant: EmulatorGrant = {
      ...input,
      scopes: [...input.scopes],
      id: mintId(),
      revoked: false,
      origin,
    };
    this.grants.set(grant.id, grant);
    return { ok: true, grant, body: this.issue(grant, origin) };
  }

  /** Rotate `refreshToken`: a new pair, or a refusal (which revokes the grant on a late reuse). */
  refresh(clientId: string, refreshToken: string): TokenSuccess<TBody> | OAuthFailure {
    const record = this.refreshTokens.get(refreshToken);
    const grant = record && this.grants.get(record.grantId);
    if (!record || !grant || grant.clientId !== clientId) return this.profile.refusal('unknown');
    if (grant.revoked) return this.profile.refusal('revoked');
    const now = this.clock.nowMs();
    if (now >= grant.consentedAtMs + this.durations.absoluteExpirySeconds * 1000)
      return this.profile.refusal('absolute-expiry');
    if (
      record.usedAtMs !== undefined &&
      now >= record.usedAtMs + this.durations.refreshLeewaySeconds * 1000
    ) {
      // A late replay means two holders of the chain: Atlassian kills the whole chain, so do we.
      grant.revoked = true;
      return this.profile.refusal('reused-late');
    }
    if (
      record.usedAtMs === undefined &&
      now >= record.issuedAtMs + this.durations.inactivityExpirySeconds * 1000
    ) {
      return this.profile.refusal('inactive');
    }
    const reused = record.usedAtMs !== undefined;
    if (!reused) this.markUsed(record, now);
    record.uses += 1;
    return {
      ok: true,
      grant,
      body: this.issue(grant, 'refresh_token'),
      ...(reused ? { reused } : {}),
    };
  }

  /** The live grant behind `accessToken`, or undefined when unknown, expired or revoked. */
  grantForAccessToken(accessToken: string): EmulatorGrant | undefined {
    return this.accessTokenProblem(accessToken) === undefined
      ? this.grantOf(accessToken)
      : undefined;
  }

  /** Why `accessToken` is refused: `expired` (issued here, past its end), `invalid` (unknown or revoked); undefined when live. */
  accessTokenProblem(accessToken: string): 'expired' | 'invalid' | undefined {
    const grant = this.grantOf(accessToken);
    if (!grant || grant.revoked) return 'invalid';
    return this.clock.nowMs() >= this.accessTokens.get(accessToken)!.expiresAtMs
      ? 'expired'
      : undefined;
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

  private grantOf(accessToken: string): EmulatorGrant | undefined {
    const record = this.accessTokens.get(accessToken);
    return record && this.grants.get(record.grantId);
  }

  private issue(grant: EmulatorGrant, grantType: IssuingGrantType): TBody {
    const now = this.clock.nowMs();
    const expiresInSeconds = this.durations.accessTokenTtlSeconds;
    const accessToken = this.profile.mintAccessToken();
    this.accessTokens.set(accessToken, {
      grantId: grant.id,
      expiresAtMs: now + expiresInSeconds * 1000,
    });
    let refreshToken: string | undefined;
    if (this.profile.issuesRefreshToken(grant)) {
      refreshToken = this.profile.mintRefreshToken();
      this.refreshTokens.set(refreshToken, {
        grantId: grant.id,
        issuedAtMs: now,
        accessToken,
        uses: 0,
      });
    }
    return this.profile.body({
      grant,
      grantType,
      accessToken,
      expiresInSeconds,
      ...(refreshToken ? { refreshToken } : {}),
    });
  }
}
