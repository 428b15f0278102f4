import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AtlassianEmulator } from '../atlassian-emulator.js';

describe('fault injection and latency', () => {
  let emulator: AtlassianEmulator;
  let token: string;
  const me = () =>
    fetch(`${emulator.apiBaseURL}/me`, { headers: { authorization: `Bearer ${token}` } });
  const refresh = (refreshToken = 'unknown') =>
    fetch(`${emulator.authBaseURL}/oauth/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: 'emulator-client-id',
        client_secret: 'emulator-client-secret',
        refresh_token: refreshToken,
      }),
    });

  beforeEach(async () => {
    emulator = await AtlassianEmulator.start();
    token = emulator.issueTokens({ scopes: ['read:me'] }).access_token;
  });
  afterEach(() => emulator.stop());

  it('answers an injected 429 with its headers and body once, then behaves', async () => {
    emulator.inject({
      route: 'me',
      status: 429,
      headers: { 'Retry-After': '3' },
      body: { message: 'Rate limited' },
    });
    const limited = await me();
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('3');
    expect(await limited.json()).toEqual({ message: 'Rate limited' });
    expect((await me()).status).toBe(200);
    expect(emulator.count('me', { status: 429 })).toBe(1);
    expect(emulator.count('me', { status: 200 })).toBe(1);
  });

  it('applies a fault `times` times, with a default body', async () => {
    emulator.inject({ route: 'me', status: 503, times: 2 });
    const first = await me();
    expect(first.status).toBe(503);
    expect(await first.json()).toEqual({ code: 503, message: 'Service Unavailable' });
    expect((await me()).status).toBe(503);
    expect((await me()).status).toBe(200);
  });

  it('sends a string body as text, e.g. a proxy error page', async () => {
    emulator.inject({
      route: 'token',
      status: 502,
      body: '<html>Bad gateway</html>',
      headers: { 'content-type': 'text/html' },
    });
    const response = await refresh();
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(await response.text()).toBe('<html>Bad gateway</html>');
  });

  it('hangs up without an answer, recorded with status 0', async () => {
    emulator.inject({ route: 'token', hangUp: true });
    await expect(refresh()).rejects.toThrow(TypeError);
    expect(emulator.calls.at(-1)).toMatchObject({
      route: 'token',
      status: 0,
      grantType: 'refresh_token',
      bodyEncoding: 'form',
    });
    expect((await refresh()).status).toBe(403);
  });

  it('narrows a fault with match, e.g. only refresh grants', async () => {
    emulator.inject({ route: 'token', status: 500, match: { grantType: 'authorization_code' } });
    expect((await refresh()).status).toBe(403);
    emulator.clearFaults();
    emulator.inject({
      route: 'token',
      status: 500,
      match: { grantType: 'refresh_token' },
      times: Infinity,
    });
    expect((await refresh()).status).toBe(500);
    expect((await refresh()).status).toBe(500);
    emulator.clearFaults();
    expect((await refresh()).status).toBe(403);
  });

  it('delays a fault with only delayMs, then answers normally', async () => {
    emulator.inject({ route: 'me', delayMs: 60 });
    const started = performance.now();
    expect((await me()).status).toBe(200);
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
  });

  it('lets a client time out on a long delay', async () => {
    emulator.inject({ route: 'me', delayMs: 5000 });
    await expect(
      fetch(`${emulator.apiBaseURL}/me`, {
        headers: { authorization: `Bearer ${token}` },
        signal: AbortSignal.timeout(50),
      }),
    ).rejects.toThrow(/aborted|timeout/i);
  });

  it('adds latency to every request of a route until set to 0', async () => {
    emulator.setLatency('me', 150);
    let started = performance.now();
    await me();
    await me();
    expect(performance.now() - started).toBeGreaterThanOrEqual(290);
    emulator.setLatency('me', 0);
    started = performance.now();
    await me();
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('refuses nonsense fault settings', () => {
    expect(() => emulator.inject({ route: 'me', times: 0 })).toThrow(RangeError);
    expect(() => emulator.setLatency('me', -1)).toThrow(RangeError);
  });

  it('stop() returns promptly even with a request held in a delay', async () => {
    emulator.inject({ route: 'me', delayMs: 60_000 });
    const pending = me();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await emulator.stop();
    expect(performance.now() - started).toBeLessThan(1000);
    await expect(pending).rejects.toThrow(TypeError);
    // The held request is abandoned, not left on its 60 s timer: it is logged as hung up.
    await new Promise((resolve) => setImmediate(resolve));
    expect(emulator.count('me', { status: 0 })).toBe(1);
  });
});
