import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { atlassianEntities } from './src/accounts/entities/index.js';
import { atlassianMigrations } from './src/accounts/migrations/index.js';

/**
 * DataSource for the TypeORM CLI (`npm run migration:run`): `DATABASE_URL` (postgres://…) or the
 * demo's SQLite file. Used to run, and to generate, this package's migrations.
 */
const url = process.env.DATABASE_URL;
export default new DataSource(
  url
    ? { type: 'postgres', url, entities: atlassianEntities, migrations: atlassianMigrations }
    : { type: 'better-sqlite3', database: process.env.SQLITE_PATH ?? 'nestjs-atlassian-demo.sqlite', entities: atlassianEntities, migrations: atlassianMigrations },
);
