import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TokenAppSpec, TokenWorkerResult } from '../fixtures/token-worker.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import type { TestDatabase } from './databases.js';
import type { TestApp } from './test-app.js';
import { TokenWorker, type WorkerLaunch } from './token-worker-handle.js';
import type { ToWorkerMessage } from './token-worker-protocol.js';

export { TokenWorker, type WorkerLaunch } from './token-worker-handle.js';

const here = dirname(fileURLToPath(import.meta.url));
/** The compiled worker entry: next to this file when it runs from `dist/`, else under `dist/` (built by the global setup). */
const WORKER_SCRIPT = here.split(sep).includes('dist')
  ? join(here, 'token-worker-main.js')
  : join(here, '../../dist/test/support/token-worker-main.js');
const READY_TIMEOUT_MS = 30_000;

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

/** The spec of a worker that is another instance of `app` (`startTestApp`'s client and key) on `database`. */
export function sameAppSpec(
  app: TestApp,
  database: TestDatabase,
  emulator: AtlassianEmulator,
  extra: Partial<TokenAppSpec> = {},
): TokenAppSpec {
  return {
    database: database.typeorm,
    emulatorUrl: emulator.url,
    clientId: 'test-client',
    clientSecret: 'test-secret',
    encryptionKey: app.encryptionKey,
    ...extra,
  };
}

const running = new Set<TokenWorker>();
let exitHookInstalled = false;

/**
 * Forks one worker per launch and waits until every one is booted; on any failure kills them all.
 * Each worker may run its launch's job once (`go()`, or `TokenWorkers.run()` for all), or jobs on demand (`run(job)`).
 */
export async function startTokenWorkers(launches: WorkerLaunch[]): Promise<TokenWorkers> {
  if (!existsSync(WORKER_SCRIPT))
    throw new Error(`${WORKER_SCRIPT} is missing: compile first with \`tsc -p tsconfig.json\``);
  if (!exitHookInstalled) {
    // A parent that dies (or is stopped) must not leave workers behind.
    process.once('exit', () =>
      running.forEach((worker) => worker.alive && process.kill(worker.pid, 'SIGKILL')),
    );
    exitHookInstalled = true;
  }
  const workers = launches.map((launch, index) => {
    // execArgv: none by default, so the child is plain Node, whatever loader the parent (Vitest) runs under.
    const child = fork(WORKER_SCRIPT, [], {
      execArgv: launch.execArgv ?? [],
      env: { ...process.env, ...launch.env },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      serialization: 'advanced',
    });
    const worker = new TokenWorker(index, child, launch);
    running.add(worker);
    void worker.exited.then(() => running.delete(worker));
    const boot: ToWorkerMessage = { type: 'boot', spec: launch.spec, job: launch.job };
    child.send(boot);
    return worker;
  });
  const group = new TokenWorkers(workers);
  let timer: NodeJS.Timeout | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`token workers were not ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    });
    await Promise.all([
      Promise.race([Promise.all(workers.map((worker) => worker.ready)), timeout]),
    ]);
    return group;
  } catch (err) {
    await group.close();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
