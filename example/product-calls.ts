import type { ProductClient } from '../src/index.js';

/** Jira's `GET /rest/api/3/myself`, the fields the demo shows. */
export interface JiraMyself {
  accountId: string;
  displayName: string;
  emailAddress?: string;
}

/** One project of Jira's `GET /rest/api/3/project/search`. */
export interface JiraProject {
  id: string;
  key: string;
  name: string;
}

/** One space of Confluence's `GET /wiki/api/v2/spaces`. */
export interface ConfluenceSpace {
  id: string;
  key: string;
  name: string;
}

/**
 * The demo's few Jira and Confluence calls. Each takes a client from `AtlassianApiClient`
 * (`forUser(userId).jira(cloudId)`), which brings the token, its refresh and the retries.
 */
export const productCalls = {
  /** The Jira user the token acts as. */
  jiraMyself: (jira: ProductClient) => jira.get<JiraMyself>('/rest/api/3/myself'),

  /** The first page (up to 50) of projects the user can see. */
  jiraProjects: async (jira: ProductClient) =>
    (
      await jira.get<{ values: JiraProject[] }>('/rest/api/3/project/search', {
        query: { maxResults: 50 },
      })
    ).values,

  /** The first page (up to 50) of Confluence spaces, with the v2 API. */
  confluenceSpaces: async (confluence: ProductClient) =>
    (
      await confluence.get<{ results: ConfluenceSpace[] }>('/wiki/api/v2/spaces', {
        query: { limit: 50 },
      })
    ).results.map(({ id, key, name }) => ({ id, key, name })),
};
