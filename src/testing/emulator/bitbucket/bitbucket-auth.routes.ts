import type { EmulatorUser } from '../emulator.types.js';
import {
  approvalLocation,
  decideConsent,
  type ConsentDecisionContext,
} from '../oauth/consent-decision.js';
import { authorizeErrorPage, consentPage, type ConsentHost } from '../oauth/consent-page.js';
import type { ConsentRequest } from '../oauth/pending-consents.js';
import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { redirect, type EmulatorResponse } from '../server/http-helpers.js';
import type { BitbucketState } from './bitbucket-state.js';

type AuthorizeProblem = { parameter: string; problem: string };

/** bitbucket.org's consent pages. */
const BITBUCKET_CONSENT: ConsentHost = {
  product: 'Bitbucket',
  decisionPath: '/site/oauth2/authorize/decision',
};

/** bitbucket.org's browser side: `GET /site/oauth2/authorize` and its consent form's decision. */
export function bitbucketAuthRoutes(bitbucket: BitbucketState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'GET',
        path: '/site/oauth2/authorize',
        route: 'bitbucket-authorize',
        handle: (request) => authorize(bitbucket, request),
      },
      {
        method: 'POST',
        path: BITBUCKET_CONSENT.decisionPath,
        route: 'bitbucket-authorize',
        handle: ({ body }) => decideConsent(decisions(bitbucket), body.fields),
      },
    ],
    prefixes: [{ prefix: '/site/oauth2/', route: 'bitbucket-authorize' }],
  };
}

function authorize(bitbucket: BitbucketState, { query }: EmulatorRequest): EmulatorResponse {
  const checked = validateAuthorizeQuery(bitbucket, query);
  if ('parameter' in checked)
    return authorizeErrorPage(checked.parameter, checked.problem, BITBUCKET_CONSENT);
  const user = bitbucket.directory.signedInUser();
  if (!user)
    return authorizeErrorPage(
      'user',
      'the emulator has no user to sign in as: call addUser() first',
      BITBUCKET_CONSENT,
    );
  if (bitbucket.behaviour.autoApprove)
    return redirect(approvalLocation(checked, issueCode(bitbucket, checked, user)));
  const requestId = bitbucket.consents.open(checked);
  return consentPage({
    requestId,
    ...checked,
    user,
    users: bitbucket.directory.allUsers(),
    host: BITBUCKET_CONSENT,
  });
}

/**
 * Scopes come from the consumer, never the request; the callback is the consumer's one URL. PKCE is refused
 * outright (Bitbucket does not support it), so a client that sends it finds out in tests, not in production.
 */
function validateAuthorizeQuery(
  bitbucket: BitbucketState,
  query: URLSearchParams,
): ConsentRequest | AuthorizeProblem {
  const consumer = bitbucket.consumers.get(query.get('client_id') ?? undefined);
  if (!consumer)
    return { parameter: 'client_id', problem: 'missing or not a registered OAuth consumer' };
  const redirectUri = query.get('redirect_uri');
  if (redirectUri !== null && redirectUri !== consumer.callbackURL) {
    return {
      parameter: 'redirect_uri',
      problem: `"${redirectUri}" is not the callback URL of this consumer`,
    };
  }
  if (query.get('response_type') !== 'code')
    return { parameter: 'response_type', problem: 'must be code' };
  for (const parameter of ['code_challenge', 'code_challenge_method']) {
    if (query.has(parameter))
      return { parameter, problem: 'PKCE is not supported by Bitbucket Cloud: leave it out' };
  }
  return {
    clientId: consumer.key,
    redirectUri: consumer.callbackURL,
    scopes: [...consumer.scopes],
    state: query.get('state') ?? '',
  };
}

function decisions(bitbucket: BitbucketState): ConsentDecisionContext {
  const { directory } = bitbucket;
  const issue = (request: ConsentRequest, user: EmulatorUser): string =>
    issueCode(bitbucket, request, user);
  return {
    host: BITBUCKET_CONSENT,
    directory,
    consents: bitbucket.consents,
    issueCode: issue,
  };
}

function issueCode(bitbucket: BitbucketState, request: ConsentRequest, user: EmulatorUser): string {
  return bitbucket.codes.issue({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    accountId: user.accountId,
    consentedAtMs: bitbucket.clock.nowMs(),
  });
}
