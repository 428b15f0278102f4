import type { ProductClient } from '../clients/product-client.js';
import { importOptional } from './jira-js.adapter.js';

/**
 * A confluence.js (v3, optional peer dependency) v2 client for one user and site, with this package's
 * token service behind `getToken` (see `createJiraJsClient`).
 *
 * `const confluence = await createConfluenceJsClient(atlassian.forUser(userId).confluence(cloudId));`
 */
export async function createConfluenceJsClient(confluence: ProductClient) {
  const { createV2Client } = await importOptional<typeof import('confluence.js')>('confluence.js');
  const { baseURL, getToken, forceRefresh } = await confluence.connection();
  return createV2Client({
    host: baseURL,
    auth: { type: 'bearer', getToken },
    getAuthOn401: async () => ({ type: 'bearer', token: await forceRefresh() }),
  });
}
