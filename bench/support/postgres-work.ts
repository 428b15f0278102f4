import pg from 'pg';
import { kilobytes } from './report.js';

/**
 * What PostgreSQL wrote between two readings. Exact, unlike CPU time on a shared 2-core machine,
 * which moves by a fifth from run to run: a change to how the library talks to the database shows
 * here even when the CPU figures cannot tell it from noise.
 */
export interface PostgresWork {
  /** Transactions given an id: each statement that wrote or locked rows (autocommitted), one each. */
  writeTransactions: number;
  /** WAL written, full-page images included. */
  walBytes: number;
}

interface Reading {
  walBytes: bigint;
  transactionId: bigint;
}

/**
 * Reads the WAL position and takes a transaction id now; the returned function reads both again and
 * gives the difference. Both are the server's, not the database's: the bench's server runs nothing
 * else meanwhile.
 */
export async function startPostgresWorkMeter(url: string): Promise<() => Promise<PostgresWork>> {
  const start = await read(url);
  return async () => {
    const end = await read(url);
    return {
      // The end reading's own transaction is not the sweep's.
      writeTransactions: Number(end.transactionId - start.transactionId - 1n),
      walBytes: Number(end.walBytes - start.walBytes),
    };
  };
}

async function read(url: string): Promise<Reading> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ wal: string; xid: string }>(
      `SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')::text AS wal, pg_current_xact_id()::text AS xid`,
    );
    return { walBytes: BigInt(rows[0].wal.split('.')[0]), transactionId: BigInt(rows[0].xid) };
  } finally {
    await client.end();
  }
}

/** `0.23 / 11.2 KB`: write transactions and WAL per refresh (`n/a` on SQLite). */
export function workPerRefresh(work: PostgresWork | undefined, refreshed: number): string {
  if (!work) return 'n/a';
  const per = (value: number) => value / Math.max(refreshed, 1);
  return `${per(work.writeTransactions).toFixed(2)} / ${kilobytes(per(work.walBytes))}`;
}
