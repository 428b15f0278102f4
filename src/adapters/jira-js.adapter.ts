import type { ProductClient } from '../clients/product-client.js';
import { bearerClientConfig, type BearerClientConfig } from './bearer-client-config.js';

/**
 * A jira.js (v6, optional peer dependency) cloud client for one user and site, with this package's
 * token service behind it (see `BearerClientConfig`). jira.js's own factory is passed in, so its
 * client type comes from the jira.js the app installed, and apps without jira.js need none of it.
 *
 * `const jira = await createJiraJsClient(atlassian.forUser(userId).jira(cloudId), createCloudClient);`
 */
export async function createJiraJsClient<Client>(
  jira: ProductClient,
  createCloudClient: (config: BearerClientConfig) => Client,
): Promise<Client> {
  return createCloudClient(await bearerClientConfig(jira));
}
