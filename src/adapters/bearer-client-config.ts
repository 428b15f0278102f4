import type { ProductClient } from '../clients/product-client.js';

/**
 * The config jira.js (v6) and confluence.js (v3) share: host, a bearer `getToken` backed by our token
 * service, and `getAuthOn401` asking it for one forced refresh, so they never refresh on their own.
 */
export async function bearerClientConfig(client: ProductClient) {
  const { baseURL, getToken, forceRefresh } = await client.connection();
  return {
    host: baseURL,
    auth: { type: 'bearer' as const, getToken },
    getAuthOn401: async () => ({ type: 'bearer' as const, token: await forceRefresh() }),
  };
}

/** Imports an optional peer dependency, or says how to install it. */
export async function importOptional<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new Error(`This adapter needs the optional package "${name}": npm install ${name}`, {
      cause,
    });
  }
}
