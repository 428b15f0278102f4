import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { atlassianEntities } from './src/accounts/entities/index.js';
import { atlassianMigrations } from './src/accounts/migrations/index.js';
import { useZonedTimestamps } from './src/accounts/zoned-timestamps.js';

/**
 * DataSource for the TypeORM CLI (`npm run migration:run`): `DATABASE_URL` (postgres://…) or the
 * demo's SQLite file. Used to run, and to generate, this package's migrations (wrapped, so that
 * TypeORM sees the instant columns as timestamptz on PostgreSQL, as the migrations make them).
 */
const url = process.env.DATABASE_URL;
export default useZonedTimestamps(
  new DataSource(
    url
      ? { type: 'postgres', url, entities: atlassianEntities, migrations: atlassianMigrations }
      : {
          type: 'better-sqlite3',
          database: process.env.SQLITE_PATH ?? 'nestjs-atlassian-demo.sqlite',
          entities: atlassianEntities,
          migrations: atlassianMigrations,
        },
  ),
);
