import type { DataSource } from 'typeorm';

/**
 * SQL for "now" read from the database server, so that every instance judges a lease by the same
 * clock whatever its own clock or time zone says. The SQLite form matches the text TypeORM stores
 * for a datetime column (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), so the two compare as strings.
 */
export interface DatabaseClock {
  /** An SQL expression for the database's current time. */
  readonly now: string;
  /** An SQL expression for the database's current time plus `ms` milliseconds. */
  after(ms: number): string;
}

const postgresClock: DatabaseClock = {
  // clock_timestamp(), not now(): a statement inside a long transaction still reads the real time.
  now: 'clock_timestamp()',
  after: (ms) => `(clock_timestamp() + interval '${wholeMs(ms)} milliseconds')`,
};

const sqliteClock: DatabaseClock = {
  now: `strftime('%Y-%m-%d %H:%M:%f', 'now')`,
  after: (ms) =>
    `strftime('%Y-%m-%d %H:%M:%f', 'now', '+${(wholeMs(ms) / 1000).toFixed(3)} seconds')`,
};

/** The clock of the database behind `dataSource` (PostgreSQL or SQLite through better-sqlite3). */
export function databaseClock(dataSource: DataSource): DatabaseClock {
  const type = dataSource.options.type;
  if (type === 'postgres') return postgresClock;
  if (type === 'better-sqlite3') return sqliteClock;
  throw new Error(
    `nestjs-atlassian supports PostgreSQL and SQLite (better-sqlite3), not "${type}".`,
  );
}

/** Durations are written into SQL text: only a whole, non-negative number of ms may get there. */
function wholeMs(ms: number): number {
  if (!Number.isSafeInteger(ms) || ms < 0)
    throw new RangeError(`a lease duration must be a whole number of ms >= 0, got ${ms}`);
  return ms;
}
