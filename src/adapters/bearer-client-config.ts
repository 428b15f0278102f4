import type { ProductClient } from '../clients/product-client.js';

/**
 * What jira.js (v6) `createCloudClient` and confluence.js (v3) `createV2Client` take: the host, a
 * bearer `getToken` backed by our token service, and `getAuthOn401` asking it for one forced refresh,
 * so they never refresh on their own. Declared here, not imported from them, so this package's types
 * resolve in apps that install neither.
 */
export interface BearerClientConfig {
  host: string;
  auth: { type: 'bearer'; getToken: () => Promise<string> };
  getAuthOn401: () => Promise<{ type: 'bearer'; token: string }>;
}

/** The bearer config of one user's product client. */
export async function bearerClientConfig(client: ProductClient): Promise<BearerClientConfig> {
  const { baseURL, getToken, forceRefresh } = await client.connection();
  return {
    host: baseURL,
    auth: { type: 'bearer', getToken },
    getAuthOn401: async () => ({ type: 'bearer', token: await forceRefresh() }),
  };
}
