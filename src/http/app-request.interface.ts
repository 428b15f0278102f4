import type { IncomingHttpHeaders } from 'node:http';

/**
 * The HTTP request as this module reads it: your adapter's own request object (Express `Request`,
 * Fastify `FastifyRequest`), of which it uses only these members. Cast it to your adapter's type to
 * read more.
 */
export interface AppRequest {
  /** `GET`, `HEAD`, … */
  method: string;
  /** Path and query as received. */
  url: string;
  /** The target before the framework rewrote it (Express: with the mount path); preferred over `url`. */
  originalUrl?: string;
  headers: IncomingHttpHeaders;
  /** The parsed query string; a parameter given more than once may be an array. */
  query?: unknown;
  /** What the app's own authentication put there; on a sign-in callback, the `AuthenticatedUser`. */
  user?: unknown;
}
