import { foreignURLError, type ApiCallTarget } from '../errors/api-errors.js';
import type { ApiAuth, ApiRequestExecutor } from './api-request.executor.js';
import type { RateLimitBehaviour } from '../options/atlassian-module-options.interface.js';
import { callURL, type ForeignURL } from './call-url.js';

import {
  paginateLinks,
  paginateOffset,
  paginateToken,
  type PageFetcher,
  type QueryValue,
} from './pagination.js';
import { merged } from '../common/merged.js';

/** How many distinct paths a client remembers the URL of (issue keys make the set open-ended). */
const KNOWN_URLS_LIMIT = 256;

/** Options of one call. */
export interface ApiCallOptions {
  query?: Record<string, QueryValue>;
  /** JSON body (or a string sent as is). */
  body?: unknown;
  headers?: Record<string, string>;
  /** Scopes the call needs; named in `AtlassianScopeError` when Atlassian refuses the scope. */
  scopes?: string[];
  /**
   * Under a rate-limit pause: `'wait'` for its end (within `api.maxRetryWaitMs`) or `'fail'` at once
   * with `AtlassianRateLimitError`. Default: the `api.onRateLimit` option.
   */
  onRateLimit?: RateLimitBehaviour;
}

/** Where a client's calls go, resolved lazily (it may need the database). */
export interface ProductEndpoint {
  /** e.g. `https://api.atlassian.com/ex/jira/{cloudId}` or `https://api.bitbucket.org`. */
  baseURL: string;
  target: Pick<ApiCallTarget, 'product' | 'cloudId'>;
  auth: ApiAuth;
}

/** Typed JSON calls to one product on one site, with paging helpers. */
export class ProductClient {
  private endpoint: Promise<ProductEndpoint> | undefined;
  /** The endpoint once resolved. */
  private resolved: ProductEndpoint | undefined;
  /** Query-less paths already turned into URLs (or refused), by path. */
  private readonly urls = new Map<string, URL | ForeignURL>();

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    private readonly resolveEndpoint: () => Promise<ProductEndpoint>,
    private readonly executor: ApiRequestExecutor,
  ) {}

  /** The site (cloudId) this client calls, once resolved; undefined for Bitbucket. */
  async cloudId(): Promise<string | undefined> {
    return (await this.resolve()).target.cloudId;
  }

  /** Base URL and token functions, for handing this connection to another client library (see the adapters). */
  async connection(): Promise<{
    baseURL: string;
    cloudId?: string;
    getToken: () => Promise<string>;
    forceRefresh: () => Promise<string>;
  }> {
    const { baseURL, target, auth } = await this.resolve();
    return {
      baseURL,
      cloudId: target.cloudId,
      getToken: () => auth.getToken(),
      forceRefresh: () => auth.forceRefresh(),
    };
  }

  get<T = unknown>(path: string, options?: ApiCallOptions): Promise<T> {
    return this.request<T>('GET', path, options);
  }

  post<T = unknown>(path: string, body?: unknown, options?: ApiCallOptions): Promise<T> {
    return this.request<T>('POST', path, merged(options ?? {}, { body }));
  }

  put<T = unknown>(path: string, body?: unknown, options?: ApiCallOptions): Promise<T> {
    return this.request<T>('PUT', path, merged(options ?? {}, { body }));
  }

  patch<T = unknown>(path: string, body?: unknown, options?: ApiCallOptions): Promise<T> {
    return this.request<T>('PATCH', path, merged(options ?? {}, { body }));
  }

  delete<T = unknown>(path: string, options?: ApiCallOptions): Promise<T> {
    return this.request<T>('DELETE', path, options);
  }

  /**
   * Any method; `path` is relative to the product's base (`/rest/api/3/…`, `/wiki/api/v2/…`, `/2.0/…`)
   * or an absolute URL under it. Anything else (another host, scheme, port or site) is refused with
   * `atlassian_foreign_url` before the token is sent.
   */
  request<T = unknown>(method: string, path: string, options: ApiCallOptions = {}): Promise<T> {
    // Once resolved, a call goes straight to the executor: no extra promise per call.
    if (this.resolved) return this.send<T>(this.resolved, method, path, options);
    return this.resolve().then((endpoint) => this.send<T>(endpoint, method, path, options));
  }

  private send<T>(
    endpoint: ProductEndpoint,
    method: string,
    path: string,
    options: ApiCallOptions,
  ): Promise<T> {
    const url =
      options.query === undefined
        ? this.urlOf(endpoint.baseURL, path)
        : callURL(endpoint.baseURL, path, options.query);
    if (!(url instanceof URL)) {
      return Promise.reject(
        foreignURLError(merged(endpoint.target, { method, path: url.named }), url.allowed),
      );
    }
    const target: ApiCallTarget = merged(endpoint.target, { method, path: url.pathname });
    return this.executor.execute<T>(
      {
        method,
        url: url.href,
        body: options.body,
        headers: options.headers,
        target,
        scopes: options.scopes,
        onRateLimit: options.onRateLimit,
      },
      endpoint.auth,
    );
  }

  /**
   * {@link callURL} of a path without a query, remembered: a client calls the same few paths again
   * and again, and parsing them costs more than the rest of the call's own work.
   */
  private urlOf(baseURL: string, path: string): URL | ForeignURL {
    let url = this.urls.get(path);
    if (url === undefined) {
      if (this.urls.size >= KNOWN_URLS_LIMIT) this.urls.clear();
      url = callURL(baseURL, path);
      this.urls.set(path, url);
    }
    return url;
  }

  /** Every item of a Jira offset-paged list (`startAt`/`maxResults`/`isLast`), items under `itemsKey`. */
  paginateOffset<T = unknown>(
    path: string,
    query?: Record<string, QueryValue>,
    itemsKey = 'values',
  ): AsyncGenerator<T> {
    return paginateOffset<T>(this.pageFetcher, path, query, itemsKey);
  }

  /** Every item of a Jira token-paged list (`nextPageToken`, e.g. `/rest/api/3/search/jql`). */
  paginateToken<T = unknown>(
    path: string,
    query?: Record<string, QueryValue>,
    itemsKey = 'issues',
  ): AsyncGenerator<T> {
    return paginateToken<T>(this.pageFetcher, path, query, itemsKey);
  }

  /** Every item of a link-paged list: Confluence v2 `_links.next`, Bitbucket `next`. */
  paginateLinks<T = unknown>(path: string, query?: Record<string, QueryValue>): AsyncGenerator<T> {
    return paginateLinks<T>(this.pageFetcher, path, query);
  }

  private readonly pageFetcher: PageFetcher = (pathOrUrl, query) => this.get(pathOrUrl, { query });

  private resolve(): Promise<ProductEndpoint> {
    // A failed resolution is not kept: the next call tries again.
    this.endpoint ??= this.resolveEndpoint().then(
      (endpoint) => {
        this.resolved = endpoint;
        return endpoint;
      },
      (err) => {
        this.endpoint = undefined;
        throw err;
      },
    );
    return this.endpoint;
  }
}
