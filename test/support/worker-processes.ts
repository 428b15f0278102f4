import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FromWorkerMessage, TokenAppSpec, TokenWorkerJob, TokenWorkerResult, ToWorkerMessage } from '../fixtures/token-worker.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled worker: next to this file when it runs from `dist/`, else under `dist/` (built by the global setup). */
const WORKER_SCRIPT = here.split(sep).includes('dist') ? join(here, '../fixtures/token-worker.js') : join(here, '../../dist/test/fixtures/token-worker.js');
const READY_TIMEOUT_MS = 30_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** One worker to start: the app it boots and the job it runs on `go`. */
export interface WorkerLaunch {
  spec: TokenAppSpec;
  job: TokenWorkerJob;
}

/** A running token worker (a real Node process). */
export class TokenWorker {
  /** Resolves when the app is booted and waits for `go`. */
  readonly ready: Promise<void>;
  /** Resolves when a `get-and-hang` job has begun its call. */
  readonly started: Promise<void>;
  /** The job's result; rejects when the worker fails or exits without one. */
  readonly result: Promise<TokenWorkerResult>;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private output = '';
  private reported = false;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
  ) {
    const messages = new Map<string, (message: FromWorkerMessage) => void>();
    const failures: Array<(err: Error) => void> = [];
    const expect = <T>(type: FromWorkerMessage['type'], pick: (message: FromWorkerMessage) => T): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        messages.set(type, (message) => resolve(pick(message)));
        failures.push(reject);
      });
    this.ready = expect('ready', () => undefined);
    this.started = expect('started', () => undefined);
    this.result = expect('result', (message) => {
      this.reported = true;
      return (message as Extract<FromWorkerMessage, { type: 'result' }>).result;
    });
    // A killed worker rejects what nobody waits for (a hanging job's result): that is not a failure of the run.
    for (const promise of [this.ready, this.started, this.result]) promise.catch(() => undefined);
    const failAll = (err: Error) => failures.forEach((reject) => reject(err));
    child.on('message', (message: FromWorkerMessage) => {
      if (message.type === 'failed') failAll(new Error(`token worker ${index} failed: ${message.message}`));
      else messages.get(message.type)?.(message);
    });
    const collect = (chunk: Buffer) => (this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        failAll(new Error(`token worker ${index} exited (code ${code}, signal ${signal}) before it reported; its output:\n${this.output}`));
        resolve({ code, signal });
      });
    });
    child.once('error', (err) => failAll(new Error(`token worker ${index} could not run: ${err.message}`)));
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lets the worker run its job. */
  go(): void {
    const message: ToWorkerMessage = { type: 'go' };
    this.child.send(message);
  }

  /** Ends the worker: one that reported its result gets `graceMs` to exit by itself, any other is killed at once. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.reported && this.alive) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([this.exited, new Promise((resolve) => (timer = setTimeout(resolve, graceMs)))]);
      clearTimeout(timer);
    }
    await this.kill();
  }

  /** Sends `signal` (default SIGKILL: a crash, no cleanup) and waits until the process is gone. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}

/** Workers started together; `close()` always kills what is left. */
export class TokenWorkers {
  constructor(readonly workers: TokenWorker[]) {}

  /** Sends `go` to every worker at once (they all booted first: a barrier) and collects every result. */
  async run(): Promise<TokenWorkerResult[]> {
    for (const worker of this.workers) worker.go();
    return Promise.all(this.workers.map((worker) => worker.result));
  }

  /** Ends every worker still running (see {@link TokenWorker.stop}) and waits for them to exit. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.stop()));
  }
}

const running = new Set<TokenWorker>();
let exitHookInstalled = false;

/** Forks one worker per launch and waits until every one is booted; on any failure kills them all. */
export async function startTokenWorkers(launches: WorkerLaunch[]): Promise<TokenWorkers> {
  if (!existsSync(WORKER_SCRIPT)) throw new Error(`${WORKER_SCRIPT} is missing: compile first with \`tsc -p tsconfig.json\``);
  if (!exitHookInstalled) {
    // A parent that dies (or is stopped) must not leave workers behind.
    process.once('exit', () => running.forEach((worker) => worker.alive && process.kill(worker.pid, 'SIGKILL')));
    exitHookInstalled = true;
  }
  const workers = launches.map(({ spec, job }, index) => {
    // execArgv: [] so the child is plain Node, whatever loader the parent (Vitest) runs under.
    const child = fork(WORKER_SCRIPT, [], { execArgv: [], stdio: ['ignore', 'pipe', 'pipe', 'ipc'], serialization: 'advanced' });
    const worker = new TokenWorker(index, child);
    running.add(worker);
    void worker.exited.then(() => running.delete(worker));
    const boot: ToWorkerMessage = { type: 'boot', spec, job };
    child.send(boot);
    return worker;
  });
  const group = new TokenWorkers(workers);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`token workers were not ready within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
    });
    await Promise.race([Promise.all(workers.map((worker) => worker.ready)), timeout]);
    return group;
  } catch (err) {
    await group.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
