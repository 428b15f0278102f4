import type { ProductClient } from '../clients/product-client.js';
import { bearerClientConfig, importOptional } from './bearer-client-config.js';

/**
 * A jira.js (v6, optional peer dependency) cloud client for one user and site, with this package's
 * token service behind it (see `bearerClientConfig`).
 *
 * `const jira = await createJiraJsClient(atlassian.forUser(userId).jira(cloudId));`
 */
export async function createJiraJsClient(jira: ProductClient) {
  const { createCloudClient } = await importOptional<typeof import('jira.js')>('jira.js');
  return createCloudClient(await bearerClientConfig(jira));
}
