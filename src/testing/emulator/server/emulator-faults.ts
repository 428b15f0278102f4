import type { EmulatorRoute } from './emulator-call-log.js';

/** Narrows a fault to some requests of its route. */
export interface EmulatorFaultMatch {
  /** HTTP method, e.g. `POST`. */
  method?: string;
  /** Exact path without query. */
  path?: string;
  /** `grant_type` of a token request, e.g. `refresh_token`. */
  grantType?: string;
}

/** A misbehaviour applied to the next matching requests, before normal handling. */
export interface EmulatorFault {
  /** Endpoint it applies to. */
  route: EmulatorRoute;
  /** Only requests matching this too; default every request of `route`. */
  match?: EmulatorFaultMatch;
  /** Answer with this status instead of handling the request; default: handle it normally (after `delayMs`). */
  status?: number;
  /** JSON body of the faulted answer; default `{"code": status, "message": <reason phrase>}`. */
  body?: unknown;
  /** Extra headers of the faulted answer, e.g. `{ 'Retry-After': '3' }`. */
  headers?: Record<string, string>;
  /** Wait this many real milliseconds first (a slow server, or a timeout when longer than the client waits). */
  delayMs?: number;
  /** Destroy the socket without answering (after `delayMs`). */
  hangUp?: boolean;
  /**
   * Send the status, the headers and the first half of the body, then wait this many real
   * milliseconds before the rest: an answer whose body stalls (a timeout while reading it when longer
   * than the client waits).
   */
  stallBodyMs?: number;
  /** How many matching requests it applies to; default 1; `Infinity` for all until `clearFaults()`. */
  times?: number;
}

/** What a request is matched against. */
export interface EmulatorFaultTarget {
  route: EmulatorRoute;
  method: string;
  path: string;
  grantType?: string;
}

/** Queued faults and per-route latency. */
export class EmulatorFaults {
  private readonly queue: Array<EmulatorFault & { remaining: number }> = [];
  private readonly latencyMs = new Map<EmulatorRoute, number>();

  /** Queue a fault; faults for the same request apply in the order they were injected. */
  inject(fault: EmulatorFault): void {
    const remaining = fault.times ?? 1;
    if (!(remaining > 0))
      throw new RangeError(
        `inject: times must be a positive number or Infinity, got ${fault.times}`,
      );
    if (fault.delayMs !== undefined && !(fault.delayMs >= 0)) {
      throw new RangeError(`inject: delayMs must be >= 0, got ${fault.delayMs}`);
    }
    this.queue.push({ ...fault, remaining });
  }

  /** Consume one use of the first fault that matches `target`, if any. */
  take(target: EmulatorFaultTarget): EmulatorFault | undefined {
    const index = this.queue.findIndex(
      (fault) => fault.route === target.route && matchesFault(fault.match, target),
    );
    if (index < 0) return undefined;
    const fault = this.queue[index];
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.queue.splice(index, 1);
    return fault;
  }

  /** Add `ms` real milliseconds to every request of `route`; 0 removes it. */
  setLatency(route: EmulatorRoute, ms: number): void {
    if (!(ms >= 0) || !Number.isFinite(ms))
      throw new RangeError(`setLatency: ms must be a finite number >= 0, got ${ms}`);
    if (ms === 0) this.latencyMs.delete(route);
    else this.latencyMs.set(route, ms);
  }

  /** Latency configured for `route`, in milliseconds. */
  latencyFor(route: EmulatorRoute): number {
    return this.latencyMs.get(route) ?? 0;
  }

  /** Drop every queued fault and every latency. */
  clear(): void {
    this.queue.length = 0;
    this.latencyMs.clear();
  }
}

function matchesFault(match: EmulatorFaultMatch | undefined, target: EmulatorFaultTarget): boolean {
  if (!match) return true;
  if (match.method !== undefined && match.method.toUpperCase() !== target.method) return false;
  if (match.path !== undefined && match.path !== target.path) return false;
  return match.grantType === undefined || match.grantType === target.grantType;
}
