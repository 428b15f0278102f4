import type { ProductClient } from '../clients/product-client.js';
import { bearerClientConfig, importOptional } from './bearer-client-config.js';

/**
 * A confluence.js (v3, optional peer dependency) v2 client for one user and site, with this package's
 * token service behind it (see `bearerClientConfig`).
 *
 * `const confluence = await createConfluenceJsClient(atlassian.forUser(userId).confluence(cloudId));`
 */
export async function createConfluenceJsClient(confluence: ProductClient) {
  const { createV2Client } = await importOptional<typeof import('confluence.js')>('confluence.js');
  return createV2Client(await bearerClientConfig(confluence));
}
