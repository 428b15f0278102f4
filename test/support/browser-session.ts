import { parse as parseSetCookie } from 'set-cookie-parser';

interface StoredCookie {
  name: string;
  value: string;
  path: string;
  /** The host that set it (cookies without `Domain` are host-only; ports do not count); unset: any host. */
  host?: string;
  expiresAt?: number;
}

/**
 * What a browser does with cookies and redirects, over real HTTP: stores `Set-Cookie` (host, path and
 * Max-Age honoured: 127.0.0.1 and localhost are two hosts), sends matching cookies, and lets the test
 * follow or stop at each redirect.
 */
export class BrowserSession {
  private readonly jar = new Map<string, StoredCookie>();

  /** One request; redirects are not followed, so the test sees each 302. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(response, target.hostname);
    return response;
  }

  /** GET, following redirects until `stopWhen` says stop or a non-redirect answers. */
  async follow(
    url: string,
    stopWhen: (next: URL) => boolean = () => false,
  ): Promise<{ response: Response; url: string }> {
    let current = url;
    for (let hop = 0; hop < 10; hop++) {
      const response = await this.request(current);
      const location = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || !location)
        return { response, url: current };
      const next = new URL(location, current);
      if (stopWhen(next)) return { response, url: next.toString() };
      current = next.toString();
    }
    throw new Error(`more than 10 redirects from ${url}`);
  }

  /** A cookie's value, as the browser holds it now (for `host` only, when given). */
  cookie(name: string, host?: string): string | undefined {
    return this.liveCookies().find(
      (cookie) => cookie.name === name && (host === undefined || cookie.host === host),
    )?.value;
  }

  /** Puts a cookie in the jar for every host, replacing any of that name, as a tampering or replaying attacker would. */
  setCookie(name: string, value: string, path = '/'): void {
    for (const [key, cookie] of this.jar) if (cookie.name === name) this.jar.delete(key);
    this.jar.set(`${name}\n*`, { name, value, path });
  }

  /** Forgets every cookie. */
  clear(): void {
    this.jar.clear();
  }

  private store(response: Response, host: string): void {
    for (const cookie of parseSetCookie(response.headers.getSetCookie())) {
      const expiresAt =
        cookie.maxAge !== undefined ? Date.now() + cookie.maxAge * 1000 : cookie.expires?.getTime();
      this.jar.delete(`${cookie.name}\n*`);
      const key = `${cookie.name}\n${host}`;
      if (cookie.value === '' || (expiresAt !== undefined && expiresAt <= Date.now()))
        this.jar.delete(key);
      else
        this.jar.set(key, {
          name: cookie.name,
          value: cookie.value,
          path: cookie.path ?? '/',
          host,
          expiresAt,
        });
    }
  }

  private liveCookies(): StoredCookie[] {
    return [...this.jar.values()].filter(
      (cookie) => cookie.expiresAt === undefined || cookie.expiresAt > Date.now(),
    );
  }

  private cookieHeader(target: URL): string {
    const { pathname, hostname } = target;
    return this.liveCookies()
      .filter(
        (cookie) =>
          (cookie.host === undefined || cookie.host === hostname) &&
          (pathname === cookie.path ||
            pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`)),
      )
      .map((cookie) => `${cookie.name}=${cookie.value}`)
      .join('; ');
  }
}
