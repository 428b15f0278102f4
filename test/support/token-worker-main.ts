import type { INestApplicationContext } from '@nestjs/common';
import type { TokenWorkerJob } from './token-worker-jobs.js';
import type { FromWorkerMessage, ToWorkerMessage } from './token-worker-protocol.js';
import { installClockOffset } from './worker-clock-offset.js';

/**
 * The entry of a token worker process (forked by worker-processes.ts). It statically imports nothing but
 * types and the clock shim: the boot message says which clock to install, and only then are the app,
 * Nest, TypeORM and pg imported, so none of them can hold on to the real `Date`.
 */

function send(message: FromWorkerMessage): Promise<void> {
  return new Promise((resolve, reject) =>
    process.send!(message, undefined, {}, (err) => (err ? reject(err) : resolve())),
  );
}

/** Messages from the parent, in order, whether or not someone is waiting yet; `deliver` adds one from inside. */
function inbox(): {
  next: () => Promise<ToWorkerMessage>;
  deliver: (message: ToWorkerMessage) => void;
} {
  const queued: ToWorkerMessage[] = [];
  const waiting: Array<(message: ToWorkerMessage) => void> = [];
  const deliver = (message: ToWorkerMessage) => {
    const next = waiting.shift();
    if (next) next(message);
    else queued.push(message);
  };
  process.on('message', deliver);
  return {
    next: async () =>
      queued.shift() ?? (await new Promise<ToWorkerMessage>((resolve) => waiting.push(resolve))),
    deliver,
  };
}

/** The package's error code once the app is loaded (see `errorCodeOf`); before, the error's name. */
let codeOf = (err: unknown): string => (err as Error)?.name ?? 'unknown';

/** Error messages of this package and of the drivers carry no tokens (never the query parameters). */
function failureMessage(err: unknown): string {
  return `${codeOf(err)}: ${(err as Error)?.message}`;
}

async function main(): Promise<void> {
  const { next, deliver } = inbox();
  let app: INestApplicationContext | undefined;
  try {
    const boot = await next();
    if (boot.type !== 'boot')
      throw new Error(`token worker expected "boot" from the parent first, got "${boot.type}"`);
    if (boot.spec.clockOffsetMs) installClockOffset(boot.spec.clockOffsetMs);
    const [{ bootTokenApp }, { runTokenJob, errorCodeOf }] = await Promise.all([
      import('../fixtures/token-worker.js'),
      import('./token-worker-jobs.js'),
    ]);
    codeOf = errorCodeOf;
    const booted = (app = await bootTokenApp(boot.spec));
    const started = () => send({ type: 'started' });
    const run = (id: number, job: TokenWorkerJob) =>
      runTokenJob(booted, job, started).then(
        (result) => send({ type: 'result', result, id }),
        (err: unknown) => send({ type: 'failed', message: failureMessage(err), id }),
      );
    const goOnce = async (job: TokenWorkerJob) => {
      try {
        await send({ type: 'result', result: await runTokenJob(booted, job, started) });
        // A hanging job's process stays up (app and IPC open) until the parent kills it; any other is done.
        if (job.kind !== 'get-and-hang') deliver({ type: 'close' });
      } catch (err) {
        await send({ type: 'failed', message: failureMessage(err) }).catch(() => undefined);
        process.exitCode = 1;
        deliver({ type: 'close' });
      }
    };
    await send({ type: 'ready' });
    // Jobs are not awaited here: they run side by side, and `run` messages are served while a `go` job hangs.
    for (let message = await next(); message.type !== 'close'; message = await next()) {
      if (message.type === 'run') void run(message.id, message.job).catch(() => undefined);
      else if (message.type === 'go' && boot.job) void goOnce(boot.job);
      else throw new Error(`token worker cannot handle "${message.type}" here`);
    }
  } catch (err) {
    await send({ type: 'failed', message: failureMessage(err) }).catch(() => undefined);
    process.exitCode = 1;
  }
  await app?.close();
  process.disconnect();
}

if (!process.send)
  throw new Error(
    'token-worker-main.js runs as a child process forked with an IPC channel (see worker-processes.ts)',
  );
await main();
