import type { ProductClient } from '../clients/product-client.js';

/**
 * A jira.js (v6, optional peer dependency) cloud client for one user and site, with this package's
 * token service behind `getToken`, so jira.js never refreshes on its own and never competes with the
 * exactly-once refresh. A 401 asks our service for one forced refresh.
 *
 * `const jira = await createJiraJsClient(atlassian.forUser(userId).jira(cloudId));`
 */
export async function createJiraJsClient(jira: ProductClient) {
  const { createCloudClient } = await importOptional<typeof import('jira.js')>('jira.js');
  const { baseURL, getToken, forceRefresh } = await jira.connection();
  return createCloudClient({
    host: baseURL,
    auth: { type: 'bearer', getToken },
    getAuthOn401: async () => ({ type: 'bearer', token: await forceRefresh() }),
  });
}

/** Imports an optional peer dependency, or says how to install it. */
export async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new Error(`This adapter needs the optional package "${name}": npm install ${name}`, { cause });
  }
}
