import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import { Agent, getGlobalDispatcher, setGlobalDispatcher, type Dispatcher } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendHttpExchange } from './http-exchange.js';

const BODY = JSON.stringify({
  issues: Array.from({ length: 50 }, (_, i) => ({ key: `DEMO-${i}` })),
});
const ENCODERS: Record<string, (data: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

describe('sendHttpExchange (a real server on loopback)', () => {
  let server: Server;
  let base: string;
  let seen: IncomingMessage[] = [];
  let handle: (request: IncomingMessage, response: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push(request);
      handle(request, response);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => {
    seen = [];
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const get = (path: string, timeoutMs = 2_000) =>
    sendHttpExchange(`${base}${path}`, {
      method: 'GET',
      headers: { authorization: 'Bearer t0k3n' },
      timeoutMs,
    });

  it.each(Object.keys(ENCODERS))(
    'reads a %s-compressed answer as the text it encodes',
    async (coding) => {
      handle = (_request, response) => {
        response.writeHead(200, { 'content-type': 'application/json', 'content-encoding': coding });
        response.end(ENCODERS[coding](Buffer.from(BODY)));
      };
      const answer = await get('/search');
      expect(await answer.text()).toBe(BODY);
      expect(seen[0].headers['accept-encoding']).toBe('gzip, deflate, br');
    },
  );

  it('refuses an encoding it cannot read, with an error naming it', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-encoding': 'zstd' });
      response.end('????');
    };
    const answer = await get('/search');
    await expect(answer.text()).rejects.toThrow('encoded as zstd');
  });

  it('reads headers as Headers would: lower-cased, repeated values joined', async () => {
    handle = (_request, response) => {
      response.setHeader('X-RateLimit-Remaining', '17');
      response.setHeader('Warning', ['199 one', '199 two']);
      response.end('');
    };
    const answer = await get('/myself');
    expect(answer.headers.get('x-ratelimit-remaining')).toBe('17');
    expect(answer.headers.get('X-RateLimit-Remaining')).toBe('17');
    expect(answer.headers.has('retry-after')).toBe(false);
    expect(answer.headers.get('warning')).toBe('199 one, 199 two');
    expect([...answer.headers]).toContainEqual(['x-ratelimit-remaining', '17']);
    expect(await answer.text()).toBe('');
  });

  it('does not follow a redirect: the 3xx is the answer, and its Location hears nothing', async () => {
    handle = (request, response) => {
      if (request.url === '/moved') {
        response.writeHead(303, { location: `${base}/elsewhere` });
        response.end();
      } else response.end('followed');
    };
    const answer = await get('/moved');
    expect(answer.status).toBe(303);
    expect(answer.ok).toBe(false);
    await answer.text();
    expect(seen.map((request) => request.url)).toEqual(['/moved']);
  });

  it('fails with a TimeoutError when no answer comes within the deadline', async () => {
    handle = () => undefined; // never answers
    await expect(get('/hang', 150)).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('holds the whole exchange to the deadline: a body that stalls after the headers times out too', async () => {
    handle = (_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      response.write('{"issues": [');
    };
    const answer = await get('/stall', 150);
    expect(answer.status).toBe(200);
    await expect(answer.text()).rejects.toMatchObject({ name: 'TimeoutError' });
  });

  it('sends through the global dispatcher, so a proxy set with setGlobalDispatcher applies', async () => {
    handle = (_request, response) => response.end('ok');
    const previous = getGlobalDispatcher();
    const dispatched: string[] = [];
    class CountingAgent extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler) {
        dispatched.push(String(options.path));
        return super.dispatch(options, handler);
      }
    }
    const agent = new CountingAgent();
    setGlobalDispatcher(agent);
    try {
      expect(await (await get('/through-proxy')).text()).toBe('ok');
    } finally {
      setGlobalDispatcher(previous);
      await agent.close();
    }
    expect(dispatched).toEqual(['/through-proxy']);
  });
});
