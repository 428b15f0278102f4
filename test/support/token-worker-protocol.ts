import type { TokenAppSpec } from '../fixtures/token-worker.js';
import type { TokenWorkerJob, TokenWorkerResult } from './token-worker-jobs.js';

/**
 * Parent to worker. `boot` comes first and once; then `go` runs the boot job once (after which the worker
 * closes and exits), `run` runs a job and answers with the same `id` (several may be in flight), and
 * `close` shuts the app down and ends the process.
 */
export type ToWorkerMessage =
  | { type: 'boot'; spec: TokenAppSpec; job?: TokenWorkerJob }
  | { type: 'go' }
  | { type: 'run'; id: number; job: TokenWorkerJob }
  | { type: 'close' };

/** Worker to parent. With an `id`, the answer to that `run`; without, about the worker or its `go` job. */
export type FromWorkerMessage =
  | { type: 'ready' }
  | { type: 'started' }
  | { type: 'result'; result: TokenWorkerResult; id?: number }
  | { type: 'failed'; message: string; id?: number };
