import { EventEmitter } from 'node:events';
import { promisify } from 'node:util';
import { brotliDecompress, gunzip, inflate } from 'node:zlib';
import { getGlobalDispatcher, type Dispatcher } from 'undici';

/** One HTTP exchange with a provider: an API call, a token request, a profile read. */
export interface HttpExchange {
  method: string;
  headers: Record<string, string>;
  body?: string;
  /**
   * The whole exchange's deadline, answer body included; past it the exchange fails with an error
   * named `TimeoutError`, as after `AbortSignal.timeout`.
   */
  timeoutMs: number;
}

/** What the provider answered: status, headers, and the body read once. */
export interface HttpAnswer {
  readonly status: number;
  readonly ok: boolean;
  readonly headers: AnswerHeaders;
  /** The body as text, decompressed; read it once (it releases the connection). */
  text(): Promise<string>;
}

const DECOMPRESS: Record<string, (data: Buffer) => Promise<Buffer>> = {
  gzip: promisify(gunzip),
  'x-gzip': promisify(gunzip),
  deflate: promisify(inflate),
  br: promisify(brotliDecompress),
};
const ACCEPTED_ENCODINGS = 'gzip, deflate, br';

/**
 * Sends one exchange with a provider through the process's global undici dispatcher (so a
 * `setGlobalDispatcher(new ProxyAgent(…))` applies, as it does to `fetch`). Every call this
 * module makes to Atlassian and Bitbucket goes through here.
 *
 * Why not `fetch`: on Node 20 a fetch costs about twice an undici request of the same call, and a
 * fetch given an `AbortSignal` (the timeout every call needs) costs a fifth more again: the API
 * client's overhead over a bare fetch was mostly fetch's, and so was much of a refresh's CPU.
 * Redirects are not followed (a 3xx is an answer like any other, and a token or a secret goes
 * nowhere else); compressed bodies are accepted and decompressed, as fetch does.
 */
export async function sendHttpExchange(url: string, exchange: HttpExchange): Promise<HttpAnswer> {
  const deadline = new ExchangeDeadline(exchange.timeoutMs);
  let answer: Dispatcher.ResponseData;
  try {
    const target = new URL(url);
    // The dispatcher's own `request`: undici's `request(url, options)` spreads the options into a
    // new object with more keys, a hidden class per call (see merged()).
    answer = await getGlobalDispatcher().request({
      origin: target.origin,
      path: target.pathname + target.search,
      method: exchange.method as Dispatcher.HttpMethod,
      headers: { 'accept-encoding': ACCEPTED_ENCODINGS, ...exchange.headers },
      body: exchange.body,
      signal: deadline,
    });
  } catch (error) {
    deadline.clear();
    throw error;
  }
  const headers = new AnswerHeaders(answer.headers);
  const body = answer.body;
  return {
    status: answer.statusCode,
    ok: answer.statusCode >= 200 && answer.statusCode < 300,
    headers,
    async text() {
      try {
        return await readText(body, headers.get('content-encoding'));
      } finally {
        deadline.clear();
      }
    },
  };
}

async function readText(body: Dispatcher.ResponseData['body'], encoding: string | null) {
  const coding = encoding?.trim().toLowerCase();
  if (!coding || coding === 'identity') return body.text();
  const decompress = DECOMPRESS[coding];
  if (!decompress) {
    await body.dump();
    throw new Error(`the answer is encoded as ${coding}, which this client cannot read`);
  }
  return (await decompress(Buffer.from(await body.arrayBuffer()))).toString('utf8');
}

/**
 * One exchange's deadline, as the `signal` undici accepts besides `AbortSignal`: an EventEmitter
 * that emits `abort`. Why not `AbortSignal.timeout`: on Node 20 each one is made transferable
 * between workers, which cost the client more than the rest of its own work (CPU profile of the
 * api-client bench).
 */
class ExchangeDeadline extends EventEmitter {
  aborted = false;
  reason: Error | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(timeoutMs: number) {
    super();
    this.timer = setTimeout(() => {
      this.aborted = true;
      this.reason = new DOMException('The operation was aborted due to timeout', 'TimeoutError');
      this.emit('abort');
    }, timeoutMs);
    // A deadline never keeps the process alive.
    this.timer.unref();
  }

  clear(): void {
    clearTimeout(this.timer);
  }
}

/** An answer's headers, read like `Headers`: names lower-cased, repeated values joined. */
export class AnswerHeaders implements Iterable<[string, string]> {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    return joined(this.raw[name.toLowerCase()]) ?? null;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  *[Symbol.iterator](): Iterator<[string, string]> {
    for (const name in this.raw) {
      const value = joined(this.raw[name]);
      if (value !== undefined) yield [name, value];
    }
  }
}

function joined(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
