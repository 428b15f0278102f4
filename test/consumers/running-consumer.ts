import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { childEnvironment } from './command.js';

/** A consumer app running as its own Node process on loopback. */
export interface RunningConsumer {
  url: string;
  /** What it printed so far (stdout and stderr). */
  output(): string;
  stop(): Promise<void>;
}

/** Starts `dist/main.js` of the app in `dir` and waits until it answers HTTP. */
export async function startConsumer(
  dir: string,
  port: number,
  env: Record<string, string>,
): Promise<RunningConsumer> {
  const child = spawn(process.execPath, ['dist/main.js'], {
    cwd: dir,
    env: childEnvironment({ ...env, PORT: String(port) }),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const running: RunningConsumer = {
    url,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(15_000, false)]);
      if (!stopped) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  // Booting includes the migrations; a minute covers a loaded machine.
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null)
      throw new Error(`the app in ${dir} exited with ${child.exitCode}:\n${output}`);
    try {
      const response = await fetch(`${url}/health`);
      await response.body?.cancel();
      return running;
    } catch {
      await sleep(200);
    }
  }
  await running.stop();
  throw new Error(`the app in ${dir} did not answer on ${url}:\n${output}`);
}
