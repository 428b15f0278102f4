import type {
  EmulatorBitbucketConsumer,
  EmulatorBitbucketTokenResponse,
} from '../bitbucket.types.js';
import { safeEqual } from '../oauth/emulator-credentials.js';
import type { TokenSuccess } from '../oauth/emulator-token-store.js';
import { oauthAnswer as answer, oauthFailure, type OAuthFailure } from '../oauth/oauth-outcome.js';
import type { EmulatorCall } from '../server/emulator-call-log.js';
import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { basicCredentials, type EmulatorResponse } from '../server/http-helpers.js';
import {
  BITBUCKET_CLIENT_CREDENTIALS_MISSING,
  BITBUCKET_FORM_REQUIRED,
  BITBUCKET_INVALID_CLIENT,
  BITBUCKET_INVALID_CODE,
} from './bitbucket-oauth.js';
import type { BitbucketState } from './bitbucket-state.js';

/** bitbucket.org's `POST /site/oauth2/access_token`: form bodies, HTTP Basic client authentication, rotating refresh. */
export function bitbucketTokenRoutes(bitbucket: BitbucketState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'POST',
        path: '/site/oauth2/access_token',
        route: 'bitbucket-token',
        handle: (request) => token(bitbucket, request),
      },
    ],
  };
}

function token(bitbucket: BitbucketState, request: EmulatorRequest): EmulatorResponse {
  request.note.clientAuth = clientAuthOf(request);
  const { fields, error, encoding } = request.body;
  if (encoding === 'json') return answer(BITBUCKET_FORM_REQUIRED);
  if (error) return answer(oauthFailure(400, 'invalid_request', error));
  const consumer = authenticateConsumer(bitbucket, request);
  if ('ok' in consumer) return answer(consumer);
  switch (fields.grant_type) {
    case undefined:
      return answer(oauthFailure(400, 'invalid_request', 'Missing grant_type'));
    case 'authorization_code':
      return answer(exchangeCode(bitbucket, consumer, fields));
    case 'refresh_token': {
      if (!fields.refresh_token)
        return answer(oauthFailure(400, 'invalid_request', 'Missing refresh_token'));
      // Asked before the refresh, which counts this use: a replay is noted whatever the answer.
      if (bitbucket.tokens.refreshTokenUses(fields.refresh_token) > 0)
        request.note.refreshTokenReplayed = true;
      const outcome = bitbucket.tokens.refresh(consumer.key, fields.refresh_token);
      if (outcome.ok && outcome.reused) request.note.refreshTokenReused = true;
      return answer(outcome);
    }
    default:
      return answer(
        oauthFailure(400, 'unsupported_grant_type', `Unsupported grant type: ${fields.grant_type}`),
      );
  }
}

function clientAuthOf({ headers, body }: EmulatorRequest): NonNullable<EmulatorCall['clientAuth']> {
  if (basicCredentials(headers.authorization)) return 'basic';
  return body.fields.client_id !== undefined || body.fields.client_secret !== undefined
    ? 'body'
    : 'none';
}

/** Only HTTP Basic counts: credentials in the body are ignored, as Bitbucket ignores them. */
function authenticateConsumer(
  bitbucket: BitbucketState,
  { headers }: EmulatorRequest,
): EmulatorBitbucketConsumer | OAuthFailure {
  const basic = basicCredentials(headers.authorization);
  if (!basic) return BITBUCKET_CLIENT_CREDENTIALS_MISSING;
  const consumer = bitbucket.consumers.get(basic.id);
  if (!consumer || !safeEqual(basic.secret, consumer.secret)) return BITBUCKET_INVALID_CLIENT;
  return consumer;
}

function exchangeCode(
  bitbucket: BitbucketState,
  consumer: EmulatorBitbucketConsumer,
  fields: Record<string, string>,
): TokenSuccess<EmulatorBitbucketTokenResponse> | OAuthFailure {
  if (!fields.code) return oauthFailure(400, 'invalid_request', 'Missing code');
  const { codes, tokens } = bitbucket;
  // redirect_uri is optional here; when sent it must be the consumer's callback, the one the code went to.
  const redeemed = codes.redeem(fields.code, {
    clientId: consumer.key,
    redirectUri: fields.redirect_uri ?? consumer.callbackURL,
    codeVerifier: undefined,
  });
  if (!redeemed.ok) {
    if (redeemed.replayedGrantId) tokens.revokeGrant(redeemed.replayedGrantId);
    return BITBUCKET_INVALID_CODE;
  }
  const { accountId, scopes, consentedAtMs } = redeemed.grant;
  const issued = tokens.createGrant({ clientId: consumer.key, accountId, scopes, consentedAtMs });
  codes.bindGrant(fields.code, issued.grant.id);
  return issued;
}
