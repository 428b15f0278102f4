import type { EmulatorGrant, EmulatorTokenDurations } from './emulator-token-store.js';
import type { OAuthFailure } from './oauth-outcome.js';

/** Why a refresh was refused; each authorization server words some of these differently. */
export type RefreshRefusalReason =
  'unknown' | 'revoked' | 'absolute-expiry' | 'reused-late' | 'inactive';

/** The grant type a token response answers. */
export type IssuingGrantType = 'authorization_code' | 'refresh_token' | 'client_credentials';

/** Tokens just minted for a grant, before the server shapes its response. */
export interface IssuedTokens {
  grant: EmulatorGrant;
  grantType: IssuingGrantType;
  accessToken: string;
  refreshToken?: string;
  expiresInSeconds: number;
}

/** What differs between token servers sharing one token store: lifetimes, token strings, body, refusals. */
export interface TokenProfile<TBody> {
  durations: EmulatorTokenDurations;
  mintAccessToken(): string;
  mintRefreshToken(): string;
  /** Whether this grant gets a refresh token. */
  issuesRefreshToken(grant: EmulatorGrant): boolean;
  /** The success body of the token endpoint. */
  body(issued: IssuedTokens): TBody;
  /** The answer to a refresh that cannot go on. */
  refusal(reason: RefreshRefusalReason): OAuthFailure;
}
