/** One throwaway app the consumer test builds from `app/` and the packed tarball. */
export interface ConsumerApp {
  /** Its title, and the name in its package.json. */
  name: string;
  /** The package.json `type`: how the app's own code is compiled and loaded. */
  moduleType: 'commonjs' | 'module';
  /** Which `app/src/main-*.ts` becomes its `main.ts`. */
  main: 'main-express.ts' | 'main-fastify.ts';
  /** Where it is run, one process each: on a SQLite file, on a fresh database of the run's PostgreSQL server. */
  databases: Array<'sqlite' | 'postgres'>;
  /** Its dependencies besides the tarball, as an app would pin them: the lines this cell of the matrix is about. */
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /** What the installed packages must report: proves the cell runs on the versions it names. */
  expectedMajors: Record<string, string>;
}

/** The peers every app installs, whatever its lines. */
const COMMON = {
  passport: '^0.7.0',
  'reflect-metadata': '^0.2.0',
  rxjs: '^7.8.0',
};

/**
 * A CommonJS Nest 11 app on Express with TypeORM 0.3, compiled by TypeScript 5.9 as `nest new` sets
 * it up: it loads this ES module package through `require()`. Run on SQLite, and on PostgreSQL for
 * what TypeORM 0.3 does only there (timestamptz columns, FOR UPDATE SKIP LOCKED claims).
 */
export function commonJsNest11App(betterSqlite3Version: string): ConsumerApp {
  return {
    name: 'cjs-nest11-express-typeorm03',
    moduleType: 'commonjs',
    main: 'main-express.ts',
    databases: ['sqlite', 'postgres'],
    dependencies: {
      ...COMMON,
      '@nestjs/common': '^11.0.0',
      '@nestjs/core': '^11.0.0',
      '@nestjs/platform-express': '^11.0.0',
      '@nestjs/passport': '^11.0.0',
      '@nestjs/typeorm': '^11.0.0',
      '@nestjs/schedule': '^6.0.0',
      '@nestjs/event-emitter': '^3.0.0',
      '@nestjs/terminus': '^11.0.0',
      typeorm: '^0.3.20',
      // TypeORM 0.3 accepts better-sqlite3 12 from 0.3.26 on; 13 needs Node 22. Pinned to the
      // repository's own version, whose build the test hands to prebuild-install (see sqlite-prebuild.ts).
      'better-sqlite3': betterSqlite3Version,
      pg: '^8.11.0',
    },
    devDependencies: { '@types/node': '^20.19.0', typescript: '~5.9.0' },
    expectedMajors: {
      '@nestjs/core': '11',
      '@nestjs/platform-express': '11',
      '@nestjs/schedule': '6',
      '@nestjs/terminus': '11',
      typeorm: '0',
      typescript: '5',
    },
  };
}

/** An ES module Nest 12 app on Fastify with TypeORM 1 and PostgreSQL, compiled by TypeScript 6. */
export function esModuleNest12App(): ConsumerApp {
  return {
    name: 'esm-nest12-fastify-typeorm1-postgres',
    moduleType: 'module',
    main: 'main-fastify.ts',
    databases: ['postgres'],
    dependencies: {
      ...COMMON,
      '@nestjs/common': '^12.0.0',
      '@nestjs/core': '^12.0.0',
      '@nestjs/platform-fastify': '^12.0.0',
      '@nestjs/passport': '^12.0.0',
      '@nestjs/typeorm': '^12.0.0',
      '@nestjs/schedule': '^12.0.0',
      '@nestjs/event-emitter': '^12.0.0',
      '@nestjs/terminus': '^12.0.0',
      typeorm: '^1.0.0',
      pg: '^8.11.0',
    },
    devDependencies: { '@types/node': '^20.19.0', typescript: '~6.0.0' },
    expectedMajors: {
      '@nestjs/core': '12',
      '@nestjs/platform-fastify': '12',
      '@nestjs/schedule': '12',
      '@nestjs/terminus': '12',
      typeorm: '1',
      typescript: '6',
    },
  };
}
