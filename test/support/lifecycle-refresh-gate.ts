import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AtlassianEmulator } from '../../src/testing/index.js';

/** A token endpoint answer that went through the gate. */
export interface GatedTokenExchange {
  grantType: string | undefined;
  status: number;
  body: Record<string, unknown>;
}

/** Hop-by-hop headers: the gate answers with a whole body of its own length. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length']);

/**
 * A reverse proxy in front of the emulator's auth host (`/authorize`, `/oauth/token`) that can hold
 * Atlassian refresh requests until the test releases them: a refresh "in flight" for exactly as long
 * as a race needs, with no timing assumption. A held request reaches the emulator only when released,
 * so the emulator answers it as of that moment (e.g. after a new consent), and faults injected in the
 * emulator apply to it then. Every token answer is recorded, so a test knows which grant issued what.
 */
export class RefreshGate {
  /** Token answers that went through, oldest first. */
  readonly exchanges: GatedTokenExchange[] = [];
  private holding = false;
  private readonly held: Array<() => void> = [];
  private readonly waiters: Array<{ count: number; resolve: () => void }> = [];

  private constructor(
    private readonly server: Server,
    private readonly target: URL,
  ) {}

  /** Starts the gate on a free loopback port, forwarding to `targetBaseURL`. */
  static async start(targetBaseURL: string): Promise<RefreshGate> {
    let gate!: RefreshGate;
    const server = createServer((req, res) => void gate.handle(req, res));
    gate = new RefreshGate(server, new URL(targetBaseURL));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return gate;
  }

  /** `http://127.0.0.1:PORT`: use it as the app's `authBaseURL` (see {@link behindGate}). */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** From now on, refresh requests wait at the gate until {@link release}. */
  hold(): void {
    this.holding = true;
  }

  /** Resolves once `count` refresh requests are waiting at the gate; rejects after `timeoutMs`. */
  whenHeld(count = 1, timeoutMs = 10_000): Promise<void> {
    if (this.held.length >= count) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `${count} refresh request(s) did not reach the gate within ${timeoutMs} ms (${this.held.length} did)`,
            ),
          ),
        timeoutMs,
      );
      this.waiters.push({ count, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }

  /** Lets every held request through to the emulator, and stops holding. */
  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  /** The token answers of one grant type, oldest first. */
  answers(grantType: string): GatedTokenExchange[] {
    return this.exchanges.filter((exchange) => exchange.grantType === grantType);
  }

  async close(): Promise<void> {
    this.release();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readAll(req);
    const isToken = req.method === 'POST' && req.url?.split('?')[0] === '/oauth/token';
    const grantType = isToken ? grantTypeOf(req.headers, body) : undefined;
    if (grantType === 'refresh_token' && this.holding) {
      await new Promise<void>((go) => {
        this.held.push(go);
        for (const waiter of this.waiters.filter((w) => this.held.length >= w.count)) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      });
    }
    try {
      const answer = await this.forward(req, body);
      if (isToken)
        this.exchanges.push({ grantType, status: answer.status, body: parseJson(answer.body) });
      res.writeHead(answer.status, { ...answer.headers, 'content-length': answer.body.length });
      res.end(answer.body);
    } catch {
      res.destroy();
    }
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: this.target.host };
      const upstream = httpRequest(
        {
          host: this.target.hostname,
          port: this.target.port,
          method: req.method,
          path: req.url,
          headers,
        },
        (answer) => {
          void readAll(answer).then((answerBody) => {
            const kept = Object.entries(answer.headers).filter(
              ([name, value]) => value !== undefined && !HOP_BY_HOP.has(name),
            );
            resolve({
              status: answer.statusCode ?? 502,
              headers: Object.fromEntries(kept) as Record<string, string | string[]>,
              body: answerBody,
            });
          }, reject);
        },
      );
      upstream.on('error', reject);
      upstream.end(body);
    });
  }
}

/** The emulator as the app should see it: its auth host (authorize and token endpoint) behind `gate`. */
export function behindGate(emulator: AtlassianEmulator, gate: RefreshGate): AtlassianEmulator {
  return new Proxy(emulator, {
    get(target, property) {
      if (property === 'authBaseURL') return gate.url;
      const value = Reflect.get(target, property, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

function readAll(stream: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

function grantTypeOf(headers: IncomingHttpHeaders, body: Buffer): string | undefined {
  const text = body.toString('utf8');
  if (headers['content-type']?.includes('json'))
    return (parseJson(body) as { grant_type?: string }).grant_type;
  return new URLSearchParams(text).get('grant_type') ?? undefined;
}

function parseJson(body: Buffer): Record<string, unknown> {
  try {
    return JSON.parse(body.toString('utf8')) as Record<string, unknown>;
  } catch {
    return {};
  }
}
