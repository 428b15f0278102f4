import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One answer of the token endpoint, as it passed through a tap. */
export interface TappedExchange {
  /** Which tap: a worker slot's name, or `app` for the sign-ins. */
  tap: string;
  /** The tap's incarnation when the request arrived (a worker slot's process: 0, then +1 per restart). */
  incarnation: number;
  grantType: 'authorization_code' | 'refresh_token';
  /** The refresh token presented, or the authorization code exchanged. */
  presented: string;
  /** Real time (ms) when the whole request had arrived, and when the answer came back from the emulator. */
  sentAt: number;
  answeredAt: number;
  status: number;
  /** Tokens of a 200 answer. */
  accessToken?: string;
  refreshToken?: string;
  scope?: string;
  /** False when the client had gone (crashed, or timed out) before the answer could be written to it. */
  delivered: boolean;
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'transfer-encoding',
  'content-length',
  'host',
]);

/**
 * A transparent HTTP proxy in front of the emulator that writes down every token exchange: who
 * presented which refresh token (or code), what came back, and whether the caller was still there to
 * read it. One tap per worker slot tells the oracle which process spent a refresh token, so a rotation
 * lost to a crash can be told from one lost to a bug. Requests are forwarded in full even when the
 * caller has gone, as the provider would have processed them.
 */
export class TokenTap {
  /** Bumped when the slot's process is replaced; requests are stamped with it. */
  incarnation = 0;
  private inFlight = 0;
  private readonly idle: Array<() => void> = [];

  private constructor(
    readonly name: string,
    private readonly server: Server,
    private readonly target: string,
    private readonly log: TappedExchange[],
  ) {}

  /** Starts a tap named `name` on a free loopback port, forwarding to `target`, appending to `log`. */
  static async start(name: string, target: string, log: TappedExchange[]): Promise<TokenTap> {
    let tap!: TokenTap;
    const server = createServer((req, res) => void tap.forward(req, res));
    tap = new TokenTap(name, server, target, log);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return tap;
  }

  /** `http://127.0.0.1:PORT`, to use in place of the emulator's base URL. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resolves once no request is being forwarded (answers to a crashed caller included). */
  drained(): Promise<void> {
    return this.inFlight === 0
      ? Promise.resolve()
      : new Promise((resolve) => this.idle.push(resolve));
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    let gone = false;
    res.on('close', () => (gone ||= !res.writableFinished));
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const body = Buffer.concat(chunks);
      const incarnation = this.incarnation;
      const sentAt = Date.now();
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([name]) => !HOP_BY_HOP.has(name)),
      ) as Record<string, string>;
      const method = req.method ?? 'GET';
      const answer = await fetch(`${this.target}${req.url ?? '/'}`, {
        method,
        headers,
        body: method === 'GET' || method === 'HEAD' ? undefined : body,
        redirect: 'manual',
      });
      const answerBody = Buffer.from(await answer.arrayBuffer());
      const answeredAt = Date.now();
      const delivered = !gone && !res.destroyed;
      if (delivered) {
        const answerHeaders = Object.fromEntries(
          [...answer.headers].filter(([name]) => !HOP_BY_HOP.has(name)),
        );
        res.writeHead(answer.status, answerHeaders).end(answerBody);
      }
      if (req.url?.split('?')[0] === '/oauth/token')
        this.record(
          body,
          req.headers['content-type'],
          incarnation,
          sentAt,
          answeredAt,
          answer.status,
          answerBody,
          delivered,
        );
    } catch (err) {
      if (!res.headersSent && !res.destroyed)
        res.writeHead(502).end(`token tap: ${(err as Error).message}`);
      else res.destroy();
    } finally {
      if (--this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  private record(
    body: Buffer,
    contentType: string | undefined,
    incarnation: number,
    sentAt: number,
    answeredAt: number,
    status: number,
    answerBody: Buffer,
    delivered: boolean,
  ): void {
    const fields = parseFields(body.toString(), contentType);
    const grantType = fields.grant_type;
    if (grantType !== 'authorization_code' && grantType !== 'refresh_token') return;
    const presented = grantType === 'refresh_token' ? fields.refresh_token : fields.code;
    if (!presented) return;
    const exchange: TappedExchange = {
      tap: this.name,
      incarnation,
      grantType,
      presented,
      sentAt,
      answeredAt,
      status,
      delivered,
    };
    if (status === 200) {
      const tokens = JSON.parse(answerBody.toString()) as Record<string, unknown>;
      Object.assign(exchange, {
        accessToken: tokens.access_token,
        refreshToken: tokens.refresh_token,
        scope: tokens.scope,
      });
    }
    this.log.push(exchange);
  }
}

function parseFields(
  text: string,
  contentType: string | undefined,
): Record<string, string | undefined> {
  if (contentType?.includes('json')) {
    try {
      return JSON.parse(text) as Record<string, string>;
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(text));
}
