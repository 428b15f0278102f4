import { json } from '../server/http-helpers.js';
import { jiraIssueEndpoints } from './jira-issue-endpoints.js';
import { jiraSearchEndpoint } from './jira-search-endpoint.js';
import { jiraWebhookEndpoints } from './jira-webhook-endpoints.js';
import { answer, integerParam } from './product-answers.js';
import type { ProductCall, ProductEndpoint } from './product-endpoint.js';

const USER_SCOPES = ['read:jira-user', 'read:jira-work'];
const PROJECT_SCOPES = ['read:jira-work', 'read:project:jira'];

/** The Jira Cloud platform REST API v3 endpoints the emulator serves. */
export const JIRA_ENDPOINTS: readonly ProductEndpoint[] = [
  {
    product: 'jira',
    method: 'GET',
    path: '/rest/api/3/myself',
    scopes: USER_SCOPES,
    handle: myself,
  },
  {
    product: 'jira',
    method: 'GET',
    path: '/rest/api/3/project/search',
    scopes: PROJECT_SCOPES,
    handle: projectSearch,
  },
  {
    product: 'jira',
    method: 'GET',
    path: '/rest/api/3/project',
    scopes: PROJECT_SCOPES,
    handle: projects,
  },
  ...jiraIssueEndpoints,
  jiraSearchEndpoint,
  ...jiraWebhookEndpoints,
];

function myself({ caller }: ProductCall) {
  const { user, serviceAccount } = caller;
  return answer(
    json(200, {
      accountId: user?.accountId ?? serviceAccount!.accountId,
      accountType: user ? 'atlassian' : 'app',
      emailAddress: user?.email ?? serviceAccount!.email,
      displayName: user?.name ?? serviceAccount!.name,
      active: true,
      timeZone: 'Europe/London',
    }),
    1,
  );
}

function projectSearch({ granted: { site }, request: { query } }: ProductCall) {
  const startAt = integerParam(query.get('startAt'), 0, 0, Number.MAX_SAFE_INTEGER);
  const maxResults = integerParam(query.get('maxResults'), 50, 0, 100);
  const values = site.projects
    .slice(startAt, startAt + maxResults)
    .map(({ id, key, name }) => ({ id, key, name }));
  const total = site.projects.length;
  return answer(
    json(200, { startAt, maxResults, total, isLast: startAt + values.length >= total, values }),
    values.length,
  );
}

function projects({ granted: { site } }: ProductCall) {
  const values = site.projects.map(({ id, key, name }) => ({ id, key, name }));
  return answer(json(200, values), values.length);
}
