import type { EmulatorTokenResponse } from '../emulator.types.js';
import { safeEqual } from '../oauth/emulator-credentials.js';
import type { TokenSuccess } from '../oauth/emulator-token-store.js';
import { oauthAnswer as answer, oauthFailure, type OAuthFailure } from '../oauth/oauth-outcome.js';
import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { basicCredentials, type EmulatorResponse } from '../server/http-helpers.js';
import type { AtlassianState } from './atlassian-state.js';
import { clientCredentialsGrant, type PresentedClient } from './client-credentials.js';

/**
 * auth.atlassian.com's `POST /oauth/token`: code exchange and rotating refresh for apps, client credentials
 * for service accounts; JSON or form bodies.
 */
export function atlassianTokenRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'POST',
        path: '/oauth/token',
        route: 'token',
        handle: (request) => token(atlassian, request),
      },
    ],
  };
}

function token(atlassian: AtlassianState, request: EmulatorRequest): EmulatorResponse {
  const { fields, error } = request.body;
  if (error) return answer(oauthFailure(400, 'invalid_request', error));
  const presented = presentedClient(request);
  if (fields.grant_type === 'client_credentials')
    return answer(clientCredentialsGrant(atlassian, presented, fields));
  const clientId = authenticateApp(atlassian, presented);
  if (!clientId) return answer(oauthFailure(401, 'access_denied', 'Unauthorized'));
  switch (fields.grant_type) {
    case undefined:
      return answer(oauthFailure(400, 'invalid_request', 'Missing parameter: grant_type'));
    case 'authorization_code':
      return answer(exchangeCode(atlassian, clientId, fields));
    case 'refresh_token': {
      if (!fields.refresh_token)
        return answer(oauthFailure(400, 'invalid_request', 'Missing parameter: refresh_token'));
      // Asked before the refresh, which counts this use: a replay is noted whatever the answer.
      if (atlassian.tokens.refreshTokenUses(fields.refresh_token) > 0)
        request.note.refreshTokenReplayed = true;
      const outcome = atlassian.tokens.refresh(clientId, fields.refresh_token);
      if (outcome.ok && outcome.reused) request.note.refreshTokenReused = true;
      return answer(outcome);
    }
    default:
      return answer(
        oauthFailure(400, 'unsupported_grant_type', `Unsupported grant type: ${fields.grant_type}`),
      );
  }
}

/** The client id and secret from the body, or from HTTP Basic when the body names no other client. */
function presentedClient({ body, headers }: EmulatorRequest): PresentedClient {
  const basic = basicCredentials(headers.authorization);
  const clientId = body.fields.client_id ?? basic?.id;
  const secret = body.fields.client_secret ?? (basic?.id === clientId ? basic?.secret : undefined);
  return { clientId, secret };
}

/** The client id when the request presents a registered app and its secret. */
function authenticateApp(
  atlassian: AtlassianState,
  { clientId, secret }: PresentedClient,
): string | undefined {
  const client = atlassian.clients.get(clientId);
  if (!client || secret === undefined || !safeEqual(secret, client.clientSecret)) return undefined;
  return client.clientId;
}

function exchangeCode(
  atlassian: AtlassianState,
  clientId: string,
  fields: Record<string, string>,
): TokenSuccess<EmulatorTokenResponse> | OAuthFailure {
  if (!fields.code) return oauthFailure(400, 'invalid_request', 'Missing parameter: code');
  if (!fields.redirect_uri)
    return oauthFailure(400, 'invalid_request', 'Missing parameter: redirect_uri');
  const redeemed = atlassian.codes.redeem(fields.code, {
    clientId,
    redirectUri: fields.redirect_uri,
    codeVerifier: fields.code_verifier,
  });
  if (!redeemed.ok) {
    // A replayed code may be in an attacker's hands: like real servers, kill what it produced.
    if (redeemed.replayedGrantId) atlassian.tokens.revokeGrant(redeemed.replayedGrantId);
    return redeemed;
  }
  const { accountId, scopes, consentedAtMs } = redeemed.grant;
  const issued = atlassian.tokens.createGrant({ clientId, accountId, scopes, consentedAtMs });
  atlassian.codes.bindGrant(fields.code, issued.grant.id);
  return issued;
}
