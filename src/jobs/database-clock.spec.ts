import { DataSource } from 'typeorm';
import { describe, expect, it } from 'vitest';
import { databaseClock } from './database-clock.js';

describe('databaseClock', () => {
  const sqlite = databaseClock({ options: { type: 'better-sqlite3' } } as DataSource);

  it('on SQLite, writes the text TypeORM stores for a datetime (UTC, milliseconds), so the two compare as strings', async () => {
    const db = await new DataSource({ type: 'better-sqlite3', database: ':memory:' }).initialize();
    const before = new Date();
    const [{ now, later }] = (await db.query(
      `SELECT ${sqlite.now} AS now, ${sqlite.after(1_500)} AS later`,
    )) as Array<{ now: string; later: string }>;
    expect(now).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}$/);
    const parsed = new Date(`${now.replace(' ', 'T')}Z`).getTime();
    expect(Math.abs(parsed - before.getTime())).toBeLessThan(5_000);
    expect(new Date(`${later.replace(' ', 'T')}Z`).getTime() - parsed).toBe(1_500);
    // The lease end TypeORM would persist for the same instant compares equal to the clock's text.
    expect(db.driver.preparePersistentValue(new Date(parsed), { type: 'datetime' } as never)).toBe(
      now,
    );
    await db.destroy();
  });

  it('on PostgreSQL, reads the server clock at each statement', () => {
    const postgres = databaseClock({ options: { type: 'postgres' } } as DataSource);
    expect(postgres.now).toBe('clock_timestamp()');
    expect(postgres.after(35_000)).toBe(`(clock_timestamp() + interval '35000 milliseconds')`);
  });

  it('refuses a duration that is not a whole number of ms, since it is written into SQL', () => {
    for (const bad of [1.5, -1, Number.NaN, Number.POSITIVE_INFINITY])
      expect(() => sqlite.after(bad)).toThrow(RangeError);
  });

  it('names the supported databases for any other', () => {
    expect(() => databaseClock({ options: { type: 'mysql' } } as DataSource)).toThrow(
      /PostgreSQL and SQLite/,
    );
  });
});
