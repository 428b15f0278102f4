import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import type { EmulatorCall, EmulatorCallLog } from './emulator-call-log.js';
import type { EmulatorClock } from './emulator-clock.js';
import type { EmulatorFault, EmulatorFaults } from './emulator-faults.js';
import type { EmulatorRequest, EmulatorRouter, RouteMatch } from './emulator-router.js';
import {
  basicCredentials,
  json,
  parseBody,
  readBodyText,
  type EmulatorResponse,
  type ParsedBody,
} from './http-helpers.js';

/** The parts the request pipeline needs. */
export interface EmulatorServerParts {
  router: EmulatorRouter;
  clock: EmulatorClock;
  faults: EmulatorFaults;
  calls: EmulatorCallLog;
}

/** The HTTP server: parse, apply latency and faults, route, answer, record. */
export class EmulatorServer {
  private stopping = false;
  /** Requests held in a delay, by the function that abandons each when the server stops. */
  private readonly delayed = new Set<() => void>();
  private readonly server: Server;
  private boundUrl = '';

  private constructor(private readonly parts: EmulatorServerParts) {
    this.server = createServer((req, res) => void this.handle(req, res));
  }

  /** Listen on 127.0.0.1:`port` (0 picks a free port). */
  static async listen(port: number, parts: EmulatorServerParts): Promise<EmulatorServer> {
    const instance = new EmulatorServer(parts);
    await new Promise<void>((resolve, reject) => {
      instance.server.once('error', reject);
      instance.server.listen(port, '127.0.0.1', () => {
        instance.server.off('error', reject);
        resolve();
      });
    });
    instance.boundUrl = `http://127.0.0.1:${(instance.server.address() as AddressInfo).port}`;
    return instance;
  }

  /** Base URL, e.g. `http://127.0.0.1:54321`. */
  get url(): string {
    return this.boundUrl;
  }

  /** Stop listening, cut open and idle connections, and abandon delayed requests. */
  async close(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    for (const abandon of this.delayed) abandon();
    this.delayed.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // Prefixing keeps a request target like `//x/y` a path instead of a host.
    const url = new URL(`http://127.0.0.1${req.url ?? '/'}`);
    const method = (req.method ?? 'GET').toUpperCase();
    const match = this.parts.router.match(method, url.pathname);
    const call: EmulatorCall = {
      at: this.parts.clock.now(),
      method,
      path: url.pathname,
      route: match.route,
      status: 0,
    };
    try {
      const outcome = await this.respond(req, url, match, call);
      if (outcome === 'hang-up') req.socket.destroy();
      else if (outcome.stallBodyMs) call.status = await this.writeStalled(res, outcome);
      else call.status = write(res, outcome);
    } catch (error) {
      // Stopping mid-delay, or a client gone away: there is no one to answer; a real bug is a 500.
      if (this.stopping || res.destroyed) req.socket.destroy();
      else
        call.status = write(
          res,
          json(500, { code: 500, message: `Emulator error: ${(error as Error).message}` }),
        );
    }
    this.parts.calls.record(call);
  }

  /** Latency, then a fault if one matches, else the route handler; fills in `call` as facts emerge. */
  private async respond(
    req: IncomingMessage,
    url: URL,
    match: RouteMatch,
    call: EmulatorCall,
  ): Promise<(EmulatorResponse & { stallBodyMs?: number }) | 'hang-up'> {
    const body = await readBody(req);
    Object.assign(call, describeRequest(body, url.searchParams, req.headers.authorization));
    await this.delay(this.parts.faults.latencyFor(call.route));
    const fault = this.parts.faults.take({
      route: call.route,
      method: call.method,
      path: call.path,
      grantType: call.grantType,
    });
    await this.delay(fault?.delayMs ?? 0);
    if (fault?.hangUp) return 'hang-up';
    if (fault?.status !== undefined) return faultResponse(fault);
    if (body.error === 'too-large')
      return json(413, { code: 413, message: 'Request body too large' }, { connection: 'close' });
    const request: EmulatorRequest = {
      method: call.method,
      path: call.path,
      query: url.searchParams,
      headers: req.headers,
      body,
      params: match.params,
      note: {},
    };
    const response = await match.handle(request);
    Object.assign(call, request.note);
    return fault?.stallBodyMs ? { ...response, stallBodyMs: fault.stallBodyMs } : response;
  }

  /** The head and half the body, a pause of `stallBodyMs`, then the rest. */
  private async writeStalled(
    res: ServerResponse,
    response: EmulatorResponse & { stallBodyMs?: number },
  ): Promise<number> {
    if (res.headersSent || res.destroyed) return 0;
    const body = Buffer.from(response.body);
    res.writeHead(response.status, { ...response.headers, 'content-length': body.length });
    res.write(body.subarray(0, body.length >> 1));
    await this.delay(response.stallBodyMs ?? 0);
    if (!res.destroyed) res.end(body.subarray(body.length >> 1));
    return response.status;
  }

  /**
   * Holds a request `ms` milliseconds; rejects at once when the server stops. A plain timer and a set
   * of abandon functions, not an AbortSignal listener per request: under injected latency every
   * request of a sweep waits here, and the listener was a measurable share of the emulator's CPU.
   */
  private delay(ms: number): Promise<void> {
    if (ms <= 0) return Promise.resolve();
    if (this.stopping) return Promise.reject(stoppingError());
    return new Promise((resolve, reject) => {
      const abandon = () => {
        clearTimeout(timer);
        reject(stoppingError());
      };
      const timer = setTimeout(() => {
        this.delayed.delete(abandon);
        resolve();
      }, ms);
      this.delayed.add(abandon);
    });
  }
}

function stoppingError(): Error {
  return new Error('The emulator is stopping');
}

async function readBody(req: IncomingMessage): Promise<ParsedBody> {
  try {
    return parseBody(req.headers['content-type'], await readBodyText(req));
  } catch (error) {
    if ((error as Error).message === 'too-large') return { fields: {}, error: 'too-large' };
    throw error;
  }
}

function describeRequest(
  body: ParsedBody,
  query: URLSearchParams,
  authorization: string | undefined,
): Partial<EmulatorCall> {
  const described: Partial<EmulatorCall> = {};
  const clientId =
    body.fields.client_id ??
    basicCredentials(authorization)?.id ??
    query.get('client_id') ??
    undefined;
  if (clientId !== undefined) described.clientId = clientId;
  if (body.fields.grant_type !== undefined) described.grantType = body.fields.grant_type;
  if (body.encoding !== undefined) described.bodyEncoding = body.encoding;
  return described;
}

function faultResponse(fault: EmulatorFault): EmulatorResponse {
  const status = fault.status ?? 500;
  const headers = Object.fromEntries(
    Object.entries(fault.headers ?? {}).map(([k, v]) => [k.toLowerCase(), v]),
  );
  if (typeof fault.body === 'string') {
    return {
      status,
      headers: { 'content-type': 'text/plain; charset=utf-8', ...headers },
      body: fault.body,
    };
  }
  return json(
    status,
    fault.body ?? { code: status, message: STATUS_CODES[status] ?? 'Injected fault' },
    headers,
  );
}

function write(res: ServerResponse, response: EmulatorResponse): number {
  // A client that went away got no answer: record it as such.
  if (res.headersSent || res.destroyed) return 0;
  res.writeHead(response.status, {
    ...response.headers,
    'content-length': Buffer.byteLength(response.body),
  });
  res.end(response.body);
  return response.status;
}
