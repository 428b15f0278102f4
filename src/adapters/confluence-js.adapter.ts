import type { ProductClient } from '../clients/product-client.js';
import { bearerClientConfig, type BearerClientConfig } from './bearer-client-config.js';

/**
 * A confluence.js (v3, optional peer dependency) v2 client for one user and site, with this package's
 * token service behind it (see `BearerClientConfig`). confluence.js's own factory is passed in, so its
 * client type comes from the confluence.js the app installed.
 *
 * `const confluence = await createConfluenceJsClient(atlassian.forUser(userId).confluence(cloudId), createV2Client);`
 */
export async function createConfluenceJsClient<Client>(
  confluence: ProductClient,
  createV2Client: (config: BearerClientConfig) => Client,
): Promise<Client> {
  return createV2Client(await bearerClientConfig(confluence));
}
