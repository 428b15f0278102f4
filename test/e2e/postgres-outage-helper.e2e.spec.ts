import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startDedicatedPostgresServer,
  type DedicatedPostgresServer,
} from '../support/dedicated-postgres-server.js';

const OUTAGE_MS = 3_000;

/**
 * The outage helper the database-failure suites stand on, checked against TypeORM's pg driver: an app's
 * DataSource must live through a server that goes away and comes back, as a long-running app's pool does.
 */
describe('a dedicated PostgreSQL server a test can take down', () => {
  let server: DedicatedPostgresServer;
  let dataSource: DataSource;
  const rows = () => dataSource.query('SELECT n FROM outage_probe');

  beforeAll(async () => {
    server = await startDedicatedPostgresServer();
    const url = await server.createDatabase('outage');
    dataSource = new DataSource({ type: 'postgres', url, poolSize: 4 });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE outage_probe (n int)');
    await dataSource.query('INSERT INTO outage_probe VALUES (1)');
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await server?.destroy();
  });

  it('the same DataSource answers again after the server was stopped for 3 s and started on the same port, with the same data', async () => {
    const port = server.port;
    await Promise.all([rows(), rows(), rows()]);
    await server.stop();
    expect(server.running).toBe(false);

    // A query every 250 ms through the outage: each is refused at once, none hangs, none reaches a server.
    const outageEndsAt = Date.now() + OUTAGE_MS;
    let refused = 0;
    while (Date.now() < outageEndsAt) {
      await expect(rows()).rejects.toThrow(/ECONNREFUSED/);
      refused += 1;
      await sleep(250);
    }
    expect(refused).toBeGreaterThanOrEqual(5);

    await server.start();
    expect(server).toMatchObject({ running: true, port });
    expect(dataSource.isInitialized).toBe(true);
    expect(await rows()).toEqual([{ n: 1 }]);
    expect(await Promise.all([rows(), rows(), rows()])).toEqual(Array(3).fill([{ n: 1 }]));
  });

  it('cutConnections ends every session of the database and refuses new ones until allowConnections', async () => {
    await Promise.all([rows(), rows()]);
    const sessions = async () => {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      const { rows: found } = await admin.query<{ count: string }>(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = 'outage'",
      );
      await admin.end();
      return Number(found[0].count);
    };
    expect(await sessions()).toBeGreaterThanOrEqual(2);

    await server.cutConnections('outage');

    expect(await sessions()).toBe(0);
    // The pool's old sessions are dead, and a new one is refused: no query gets through.
    for (let attempt = 0; attempt < 3; attempt++) await expect(rows()).rejects.toThrow();
    await expect(rows()).rejects.toThrow(
      /database "outage" is not currently accepting connections/,
    );
    expect(server.running).toBe(true);

    await server.allowConnections('outage');
    expect(await rows()).toEqual([{ n: 1 }]);
  });
});
