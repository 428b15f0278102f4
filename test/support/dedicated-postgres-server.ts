import pg from 'pg';
import { createEmbeddedCluster } from './postgres-server.js';

/** How long `cutConnections` waits for each ended session to be gone. */
const TERMINATE_WAIT_MS = 5_000;

/**
 * A PostgreSQL server of one test's own, which the test can take down: unlike the run's shared server,
 * stopping it disturbs no other suite. For outage tests: a server that goes away and comes back on the
 * same port with the same data, and a database that drops every session and refuses new ones.
 */
export interface DedicatedPostgresServer {
  /** `postgres://…` of the default database, `postgres`; the admin statements run there. */
  readonly url: string;
  readonly port: number;
  /** True from `start()` until `stop()`. */
  readonly running: boolean;
  /** Creates a fresh database and returns its URL. */
  createDatabase(name: string): Promise<string>;
  /** A real shutdown in fast mode (SIGINT: sessions are ended, a checkpoint written); resolves once the server has exited. The data stays. */
  stop(): Promise<void>;
  /** Starts the stopped server again on the same port with the same data; resolves once it accepts connections. */
  start(): Promise<void>;
  /** Refuses new connections to `database` (`ALLOW_CONNECTIONS false`, superusers included) and ends every session it has. */
  cutConnections(database: string): Promise<void>;
  /** Lets `database` accept connections again. */
  allowConnections(database: string): Promise<void>;
  /** Stops the server if it runs and deletes its data. */
  destroy(): Promise<void>;
}

/** Starts a dedicated server (about 1.5 s); `destroy()` it when the test is done. */
export async function startDedicatedPostgresServer(): Promise<DedicatedPostgresServer> {
  const { server, port, baseUrl, removeData } = await createEmbeddedCluster();
  await server.start();
  const url = `${baseUrl}/postgres`;
  let running = true;
  const admin = async <T>(work: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  };
  const stop = async () => {
    await server.stop();
    running = false;
  };
  return {
    url,
    port,
    get running() {
      return running;
    },
    async createDatabase(name) {
      await admin((client) => client.query(`CREATE DATABASE ${client.escapeIdentifier(name)}`));
      return `${baseUrl}/${name}`;
    },
    stop,
    async start() {
      await server.start();
      running = true;
    },
    async cutConnections(database) {
      await admin(async (client) => {
        // Refuse first, then terminate: no session can slip in between.
        await client.query(
          `ALTER DATABASE ${client.escapeIdentifier(database)} ALLOW_CONNECTIONS false`,
        );
        // With a timeout, pg_terminate_backend waits until the session is gone (false if it is not by then).
        const { rows } = await client.query<{ pid: number; gone: boolean }>(
          'SELECT pid, pg_terminate_backend(pid, $2) AS gone FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [database, TERMINATE_WAIT_MS],
        );
        const alive = rows.filter((row) => !row.gone).map((row) => row.pid);
        if (alive.length > 0)
          throw new Error(
            `sessions ${alive.join(', ')} of ${database} were still there ${TERMINATE_WAIT_MS} ms after being terminated`,
          );
      });
    },
    async allowConnections(database) {
      await admin((client) =>
        client.query(`ALTER DATABASE ${client.escapeIdentifier(database)} ALLOW_CONNECTIONS true`),
      );
    },
    async destroy() {
      if (running) await stop();
      removeData();
    },
  };
}
