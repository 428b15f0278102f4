import { parse as parseSetCookie } from 'set-cookie-parser';

interface StoredCookie {
  value: string;
  path: string;
  expiresAt?: number;
}

/**
 * What a browser does with cookies and redirects, over real HTTP: stores `Set-Cookie` (path and
 * Max-Age honoured), sends matching cookies, and lets the test follow or stop at each redirect.
 */
export class BrowserSession {
  private readonly jar = new Map<string, StoredCookie>();

  /** One request; redirects are not followed, so the test sees each 302. */
  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const target = new URL(url);
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(target.pathname);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(target, { ...init, headers, redirect: 'manual' });
    this.store(response);
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

  /** A cookie's value, as the browser holds it now. */
  cookie(name: string): string | undefined {
    return this.live(name)?.value;
  }

  /** Puts a cookie in the jar, as a tampering or replaying attacker would. */
  setCookie(name: string, value: string, path = '/'): void {
    this.jar.set(name, { value, path });
  }

  /** Forgets every cookie. */
  clear(): void {
    this.jar.clear();
  }

  private store(response: Response): void {
    for (const cookie of parseSetCookie(response.headers.getSetCookie())) {
      const expiresAt =
        cookie.maxAge !== undefined ? Date.now() + cookie.maxAge * 1000 : cookie.expires?.getTime();
      if (cookie.value === '' || (expiresAt !== undefined && expiresAt <= Date.now()))
        this.jar.delete(cookie.name);
      else this.jar.set(cookie.name, { value: cookie.value, path: cookie.path ?? '/', expiresAt });
    }
  }

  private live(name: string): StoredCookie | undefined {
    const cookie = this.jar.get(name);
    return cookie && (cookie.expiresAt === undefined || cookie.expiresAt > Date.now())
      ? cookie
      : undefined;
  }

  private cookieHeader(pathname: string): string {
    return [...this.jar.keys()]
      .map((name) => [name, this.live(name)] as const)
      .filter(
        ([, cookie]) =>
          cookie &&
          (pathname === cookie.path ||
            pathname.startsWith(cookie.path.endsWith('/') ? cookie.path : `${cookie.path}/`)),
      )
      .map(([name, cookie]) => `${name}=${cookie!.value}`)
      .join('; ');
  }
}
