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
import type { AtlassianState } from './atlassian-state.js';

const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/** auth.atlassian.com's consent pages. */
const ATLASSIAN_CONSENT: ConsentHost = {
  product: 'Atlassian',
  decisionPath: '/authorize/decision',
};

/** auth.atlassian.com's browser side: `GET /authorize` and the consent form's `POST /authorize/decision`. */
export function atlassianAuthRoutes(atlassian: AtlassianState): EmulatorRouteModule {
  return {
    endpoints: [
      {
        method: 'GET',
        path: '/authorize',
        route: 'authorize',
        handle: (request) => authorize(atlassian, request),
      },
      {
        method: 'POST',
        path: ATLASSIAN_CONSENT.decisionPath,
        route: 'authorize',
        handle: ({ body }) => decideConsent(decisions(atlassian), body.fields),
      },
    ],
  };
}

function authorize(atlassian: AtlassianState, { query }: EmulatorRequest): EmulatorResponse {
  const checked = validateAuthorizeQuery(atlassian, query);
  if ('parameter' in checked)
    return authorizeErrorPage(checked.parameter, checked.problem, ATLASSIAN_CONSENT);
  const user = atlassian.directory.signedInUser();
  if (!user)
    return authorizeErrorPage(
      'user',
      'the emulator has no user to sign in as: call addUser() first',
      ATLASSIAN_CONSENT,
    );
  if (atlassian.behaviour.autoApprove)
    return redirect(approvalLocation(checked, issueCode(atlassian, checked, user)));
  const requestId = atlassian.consents.open(checked);
  return consentPage({
    requestId,
    ...checked,
    user,
    users: atlassian.directory.allUsers(),
    host: ATLASSIAN_CONSENT,
  });
}

/** Check the query strictly, client and redirect_uri first so nothing is ever sent to an unregistered URL. */
function validateAuthorizeQuery(
  atlassian: AtlassianState,
  query: URLSearchParams,
): ConsentRequest | { parameter: string; problem: string } {
  const client = atlassian.clients.get(query.get('client_id') ?? undefined);
  if (!client) return { parameter: 'client_id', problem: 'missing or not a registered app' };
  const redirectUri = query.get('redirect_uri') ?? '';
  if (!client.redirectUris.includes(redirectUri)) {
    return {
      parameter: 'redirect_uri',
      problem: `"${redirectUri}" is not a callback URL registered for this app`,
    };
  }
  if (query.get('audience') !== 'api.atlassian.com')
    return { parameter: 'audience', problem: 'must be api.atlassian.com' };
  if (query.get('response_type') !== 'code')
    return { parameter: 'response_type', problem: 'must be code' };
  const scopes = [...new Set((query.get('scope') ?? '').split(/\s+/).filter(Boolean))];
  if (scopes.length === 0) return { parameter: 'scope', problem: 'at least one scope is required' };
  const oauthState = query.get('state') ?? '';
  if (!oauthState) return { parameter: 'state', problem: 'required' };
  const challenge = query.get('code_challenge') ?? undefined;
  const method = query.get('code_challenge_method') ?? undefined;
  if (challenge === undefined && method !== undefined)
    return { parameter: 'code_challenge', problem: 'missing' };
  if (challenge !== undefined) {
    if (method !== 'S256')
      return { parameter: 'code_challenge_method', problem: 'only S256 is supported' };
    if (!S256_CHALLENGE.test(challenge))
      return { parameter: 'code_challenge', problem: 'not a base64url SHA-256 hash' };
  }
  const request: ConsentRequest = {
    clientId: client.clientId,
    redirectUri,
    scopes,
    state: oauthState,
  };
  if (challenge !== undefined) request.codeChallenge = challenge;
  return request;
}

function decisions(atlassian: AtlassianState): ConsentDecisionContext {
  const { directory, consents } = atlassian;
  return {
    host: ATLASSIAN_CONSENT,
    directory,
    consents,
    issueCode: (request, user) => issueCode(atlassian, request, user),
  };
}

/** Issue a code for `user`, bound to everything the authorize request carried. */
function issueCode(atlassian: AtlassianState, request: ConsentRequest, user: EmulatorUser): string {
  return atlassian.codes.issue({
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scopes: request.scopes,
    accountId: user.accountId,
    consentedAtMs: atlassian.clock.nowMs(),
    ...(request.codeChallenge !== undefined ? { codeChallenge: request.codeChallenge } : {}),
  });
}
