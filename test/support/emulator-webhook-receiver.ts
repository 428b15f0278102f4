import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the receiver got: its path, headers and exact body. */
export interface ReceivedWebhook {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * A tiny HTTP server on 127.0.0.1 that records every POST and answers with the next scripted status (then
 * `fallbackStatus`), for specs that watch the emulator deliver webhooks.
 */
export class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private readonly script: number[] = [];
  fallbackStatus = 204;

  private constructor(private readonly server: Server) {}

  /** Listen on a free port. */
  static async start(): Promise<WebhookReceiver> {
    let receiver: WebhookReceiver | undefined;
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        receiver!.received.push({ path: req.url ?? '/', headers: req.headers, body });
        res.writeHead(receiver!.script.shift() ?? receiver!.fallbackStatus).end();
      });
    });
    receiver = new WebhookReceiver(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return receiver;
  }

  /** `http://127.0.0.1:PORT{path}`. */
  url(path = '/webhooks'): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${path}`;
  }

  /** Answer the next requests with these statuses, in order. */
  answerWith(...statuses: number[]): void {
    this.script.push(...statuses);
  }

  /** Stop listening and cut open connections. */
  async stop(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
