import type { EmulatorState } from '../atlassian/atlassian-state.js';
import type { EmulatorUser } from '../emulator.types.js';
import {
  approvalLocation,
  decideConsent,
  type ConsentDecisionContext,
} from '../oauth/consent-decision.js';
import { authorizeErrorPage, BITBUCKET_CONSENT, consentPage } from '../oauth/consent-page.js';
import type { ConsentRequest } from '../oauth/pending-consents.js';
import type { EmulatorRequest, EmulatorRouteModule } from '../server/emulator-router.js';
import { redirect, type EmulatorResponse } from '../server/http-helpers.js';

type AuthorizeProblem = { parameter: string; problem: string };

/** bitbucket.org's browser side: `GET /site/oauth2/authorize` and its consent form's decision. */
export function bitbucketAuthRoutes(emulator: EmulatorState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'GET',
        path: '/site/oauth2/authorize',
        route: 'bitbucket-authorize',
        handle: (request) => authorize(emulator, request),
      },
      {
        method: 'POST',
        path: BITBUCKET_CONSENT.decisionPath,
        route: 'bitbucket-authorize',
        handle: ({ body }) => decideConsent(decisions(emulator), body.fields),
      },
    ],
    prefixes: [{ prefix: '/site/oauth2/', route: 'bitbucket-authorize' }],
  };
}

function authorize(emulator: EmulatorState, { query }: EmulatorRequest): EmulatorResponse {
  const checked = validateAuthorizeQuery(emulator, query);
  if ('parameter' in checked)
    return authorizeErrorPage(checked.parameter, checked.problem, BITBUCKET_CONSENT);
  const user = emulator.directory.signedInUser();
  if (!user)
    return authorizeErrorPage(
      'user',
      'the emulator has no user to sign in as: call addUser() first',
      BITBUCKET_CONSENT,
    );
  if (emulator.behaviour.autoApprove)
    return redirect(approvalLocation(checked, issueCode(emulator, checked, user)));
  const requestId = emulator.bitbucket.consents.open(checked);
  return consentPage({
    requestId,
    ...checked,
    user,
    users: emulator.directory.allUsers(),
    host: BITBUCKET_CONSENT,
  });
}

/**
 * Scopes come from the consumer, never the request; the callback is the consumer's one URL. PKCE is refused
 * outright (Bitbucket does not support it), so a client that sends it finds out in tests, not in production.
 */
function validateAuthorizeQuery(
  emulator: EmulatorState,
  query: URLSearchParams,
): ConsentRequest | AuthorizeProblem {
  const consumer = emulator.directory.bitbucketConsumer(query.get('client_id') ?? undefined);
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

function decisions(emulator: EmulatorState): ConsentDecisionContext {
  const { directory } = emulator;
  const issue = (request: ConsentRequest, user: EmulatorUser): string =>
    issueCode(emulator, request, user);
  return {
    host: BITBUCKET_CONSENT,
    directory,
    consents: emulator.bitbucket.consents,
    issueCode: issue,
  };
}

function issueCode(emulator: EmulatorState, request: ConsentRequest, user: EmulatorUser): string {
  return emulator.bitbucket.codes.issue({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    accountId: user.accountId,
    consentedAtMs: emulator.clock.nowMs(),
  });
}
