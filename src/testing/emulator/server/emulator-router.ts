import type { IncomingHttpHeaders } from 'node:http';
import type { EmulatorCall, EmulatorRoute } from './emulator-call-log.js';
import { json, type EmulatorResponse, type ParsedBody } from './http-helpers.js';

/** A request as route handlers see it: parsed once by the server. */
export interface EmulatorRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  body: ParsedBody;
  /** Named groups of the path pattern. */
  params: Record<string, string>;
  /** Facts the handler learnt that belong in the call log (e.g. `refreshTokenReused`). */
  note: Partial<EmulatorCall>;
}

/** One endpoint: method, path (exact string or a RegExp with named groups), route name and handler. */
export interface EmulatorEndpoint {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string | RegExp;
  route: EmulatorRoute;
  handle(request: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>;
}

/** What a host module (Atlassian auth and API, Bitbucket auth and API) contributes to the server. */
export interface EmulatorRouteModule {
  endpoints: EmulatorEndpoint[];
  /** Paths under these prefixes belong to `route` even when no endpoint matches (so 404s are counted there). */
  prefixes?: Array<{ prefix: string; route: EmulatorRoute }>;
}

/** Where a request goes: the route it counts under, and its handler with path params. */
export interface RouteMatch {
  route: EmulatorRoute;
  handle: (request: EmulatorRequest) => EmulatorResponse | Promise<EmulatorResponse>;
  params: Record<string, string>;
}

/** Maps method + path to a handler; unknown paths get a JSON 404, wrong methods a 405. */
export class EmulatorRouter {
  private readonly endpoints: EmulatorEndpoint[] = [];
  private readonly prefixes: Array<{ prefix: string; route: EmulatorRoute }> = [];

  /** Add a host module's endpoints and prefixes. */
  mount(module: EmulatorRouteModule): this {
    this.endpoints.push(...module.endpoints);
    this.prefixes.push(...(module.prefixes ?? []));
    return this;
  }

  /** Resolve `method` + `path`; always returns something to answer with. */
  match(method: string, path: string): RouteMatch {
    let wrongMethod: EmulatorEndpoint | undefined;
    for (const endpoint of this.endpoints) {
      const params = matchPath(endpoint.path, path);
      if (!params) continue;
      if (endpoint.method === method)
        return { route: endpoint.route, handle: endpoint.handle, params };
      wrongMethod ??= endpoint;
    }
    if (wrongMethod) {
      const allowed = this.endpoints.filter((e) => matchPath(e.path, path)).map((e) => e.method);
      const answer = json(
        405,
        { code: 405, message: 'Method Not Allowed' },
        { allow: [...new Set(allowed)].join(', ') },
      );
      return { route: wrongMethod.route, handle: () => answer, params: {} };
    }
    const route = this.prefixes.find((entry) => path.startsWith(entry.prefix))?.route ?? 'other';
    return {
      route,
      handle: () => json(404, { code: 404, message: `No emulated endpoint at ${path}` }),
      params: {},
    };
  }
}

function matchPath(pattern: string | RegExp, path: string): Record<string, string> | undefined {
  if (typeof pattern === 'string') return pattern === path ? {} : undefined;
  const found = pattern.exec(path);
  return found ? { ...(found.groups ?? {}) } : undefined;
}
