import type { ChildProcess } from 'node:child_process';
import type { TokenAppSpec } from '../fixtures/token-worker.js';
import type {
  TokenWorkerJob,
  TokenWorkerResult,
  TokenWorkerResultOf,
} from './token-worker-jobs.js';
import type { FromWorkerMessage, ToWorkerMessage } from './token-worker-protocol.js';

const OUTPUT_TAIL_CHARS = 4_000;

/** One worker to start: the app it boots, its environment, and the job `go()` runs. */
export interface WorkerLaunch {
  spec: TokenAppSpec;
  /** The one-shot job of `go()`, after which the worker exits; omit it for a worker driven by `run()` only. */
  job?: TokenWorkerJob;
  /** Variables added to the parent's environment, e.g. `{ TZ: 'Asia/Kolkata' }`. */
  env?: Record<string, string>;
  /** Node options of the worker (e.g. `--cpu-prof`, which NODE_OPTIONS does not take). Default: none. */
  execArgv?: string[];
}

interface PendingRun {
  kind: TokenWorkerJob['kind'];
  resolve: (result: TokenWorkerResult) => void;
  reject: (err: Error) => void;
}

/** A running token worker (a real Node process), driven by `go()` once or by `run()` many times. */
export class TokenWorker {
  /** Resolves when the app is booted and waits for `go` or `run`. */
  readonly ready: Promise<void>;
  /** Resolves when a `get-and-hang` job has begun its call. */
  readonly started: Promise<void>;
  /** The `go` job's result; rejects when the worker fails or exits without one. */
  readonly result: Promise<TokenWorkerResult>;
  /** Resolves with the exit code or signal once the process is gone. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readonly runs = new Map<number, PendingRun>();
  private lastRunId = 0;
  private output = '';
  private booted = false;
  private wentGo = false;
  private reported = false;

  constructor(
    readonly index: number,
    private readonly child: ChildProcess,
    /** What it was started with: `startTokenWorkers([worker.launch])` starts a like one, e.g. after a crash. */
    readonly launch: WorkerLaunch,
  ) {
    const messages = new Map<string, (message: FromWorkerMessage) => void>();
    const failures: Array<(err: Error) => void> = [];
    const expect = <T>(
      type: FromWorkerMessage['type'],
      pick: (message: FromWorkerMessage) => T,
    ): Promise<T> =>
      new Promise<T>((resolve, reject) => {
        messages.set(type, (message) => resolve(pick(message)));
        failures.push(reject);
      });
    this.ready = expect('ready', () => {
      this.booted = true;
    });
    this.started = expect('started', () => undefined);
    this.result = expect('result', (message) => {
      this.reported = true;
      return (message as Extract<FromWorkerMessage, { type: 'result' }>).result;
    });
    // A killed worker rejects what nobody waits for (a hanging job's result): that is not a failure of the run.
    for (const promise of [this.ready, this.started, this.result]) promise.catch(() => undefined);
    // What the one-shot promises get, and what each pending run gets (its job named).
    const failAll = (
      message: string,
      runMessage: (kind: TokenWorkerJob['kind']) => string = () => message,
    ) => {
      failures.forEach((reject) => reject(new Error(message)));
      this.rejectRuns((kind) => new Error(runMessage(kind)));
    };
    child.on('message', (message: FromWorkerMessage) => {
      if ((message.type === 'result' || message.type === 'failed') && message.id !== undefined)
        this.settleRun(message);
      else if (message.type === 'failed') {
        const failed = `token worker ${index} failed: ${message.message}`;
        failAll(failed, (kind) => `${failed} (its ${kind} job got no answer)`);
      } else messages.get(message.type)?.(message);
    });
    const collect = (chunk: Buffer) =>
      (this.output = (this.output + chunk.toString()).slice(-OUTPUT_TAIL_CHARS));
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const exited = `token worker ${index} exited (code ${code}, signal ${signal})`;
        const output = `; its output:\n${this.output}`;
        failAll(
          `${exited} before it reported${output}`,
          (kind) => `${exited} while its ${kind} job was running${output}`,
        );
        resolve({ code, signal });
      });
    });
    child.once('error', (err) => failAll(`token worker ${index} could not run: ${err.message}`));
  }

  /** The OS process id. */
  get pid(): number {
    return this.child.pid!;
  }

  /** True until the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Lets the worker run its launch's job, once; it exits after reporting `result` (unless the job hangs). */
  go(): void {
    if (!this.launch.job)
      throw new Error(
        `token worker ${this.index} has no job to go with: pass one in its launch, or use run(job)`,
      );
    this.wentGo = true;
    this.send({ type: 'go' });
  }

  /**
   * Runs `job` and resolves with its result; jobs may overlap and are told apart by an id. Rejects when the
   * job throws (a sweep) or the worker fails, exits or is killed before answering.
   */
  run<J extends TokenWorkerJob>(job: J): Promise<TokenWorkerResultOf<J>> {
    const id = ++this.lastRunId;
    return new Promise<TokenWorkerResult>((resolve, reject) => {
      if (!this.alive || !this.child.connected) {
        reject(
          new Error(
            `token worker ${this.index} is gone (exit code ${this.child.exitCode}, signal ${this.child.signalCode}): its ${job.kind} job cannot run`,
          ),
        );
        return;
      }
      this.runs.set(id, { kind: job.kind, resolve, reject });
      this.send({ type: 'run', id, job }, (err) =>
        this.settleRun({ type: 'failed', id, message: `could not be sent (${err.message})` }),
      );
    }) as Promise<TokenWorkerResultOf<J>>;
  }

  /**
   * Ends the worker. An idle one (booted, no job running, or its `go` job reported) is asked to close its
   * app and gets `graceMs` to exit by itself; any other is killed at once.
   */
  async stop(graceMs = 2_000): Promise<void> {
    const idle = this.booted && this.runs.size === 0 && (this.reported || !this.wentGo);
    if (idle && this.alive) {
      if (this.child.connected) this.send({ type: 'close' }, () => undefined);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.exited,
        new Promise((resolve) => (timer = setTimeout(resolve, graceMs))),
      ]);
      clearTimeout(timer);
    }
    await this.kill();
  }

  /** Sends `signal` (default SIGKILL: a crash, no cleanup) and waits until the process is gone; pending `run()`s reject. */
  async kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }

  private send(message: ToWorkerMessage, onError?: (err: Error) => void): void {
    this.child.send(message, (err) => {
      if (err) onError?.(err);
    });
  }

  private settleRun(message: Extract<FromWorkerMessage, { type: 'result' | 'failed' }>): void {
    const pending = this.runs.get(message.id!);
    if (!pending) return;
    this.runs.delete(message.id!);
    if (message.type === 'result') pending.resolve(message.result);
    else
      pending.reject(
        new Error(`token worker ${this.index}: ${pending.kind} job failed: ${message.message}`),
      );
  }

  private rejectRuns(errorFor: (kind: TokenWorkerJob['kind']) => Error): void {
    for (const [id, pending] of this.runs) {
      this.runs.delete(id);
      pending.reject(errorFor(pending.kind));
    }
  }
}
