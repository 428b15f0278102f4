import {
  cpSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runCommand } from './command.js';
import type { ConsumerApp } from './consumer-apps.js';
import { seedBetterSqlite3Prebuild } from './sqlite-prebuild.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const TEMPLATE = fileURLToPath(new URL('./app', import.meta.url));
const MINUTE_MS = 60_000;

/** The npm cache both apps install from (the one this repository's own install filled). */
export async function npmCacheDir(): Promise<string> {
  const { stdout } = await runCommand('npm', ['config', 'get', 'cache'], {
    cwd: REPO,
    timeoutMs: MINUTE_MS,
  });
  return stdout.trim();
}

/** The tarball `npm pack` made, and the files it holds. */
export interface PackedPackage {
  tarball: string;
  files: string[];
}

/** `npm pack` of this repository (its prepack builds lib/) into `destination`. */
export async function packPackage(destination: string, npmCache: string): Promise<PackedPackage> {
  const { stdout } = await runCommand(
    'npm',
    ['pack', '--json', '--pack-destination', destination, '--cache', npmCache],
    { cwd: REPO, timeoutMs: 5 * MINUTE_MS },
  );
  // The prepack's own output comes first; the report is the JSON array that ends the output.
  const [report] = JSON.parse(stdout.slice(stdout.lastIndexOf('\n[\n') + 1)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  return {
    tarball: join(destination, report.filename),
    files: report.files.map((file) => file.path),
  };
}

/** A throwaway app, installed and compiled, in its own temporary folder. */
export interface ConsumerProject {
  app: ConsumerApp;
  dir: string;
  /** The version of `name` it installed. */
  installedVersion(name: string): string;
  /** Imports one of the app's packages as the app resolves it (e.g. `nestjs-atlassian/testing`). */
  importFromApp<T>(specifier: string): Promise<T>;
  remove(): void;
}

/**
 * Copies `app/` into a temporary folder with the app's entry point, writes its package.json (the
 * tarball and the app's lines), installs from the registry and compiles with the app's TypeScript.
 */
export async function buildConsumerProject(
  app: ConsumerApp,
  tarball: string,
  npmCache: string,
): Promise<ConsumerProject> {
  const dir = mkdtempSync(join(tmpdir(), `nestjs-atlassian-${app.name}-`));
  cpSync(TEMPLATE, dir, { recursive: true });
  const src = join(dir, 'src');
  for (const file of readdirSync(src))
    if (file.startsWith('main-') && file !== app.main) rmSync(join(src, file));
  renameSync(join(src, app.main), join(src, 'main.ts'));
  writeFileSync(
    join(dir, 'package.json'),
    JSON.stringify(
      {
        name: app.name,
        private: true,
        type: app.moduleType,
        dependencies: { 'nestjs-atlassian': `file:${tarball}`, ...app.dependencies },
        devDependencies: app.devDependencies,
        ...(app.databases.includes('sqlite') && { allowScripts: { 'better-sqlite3': true } }),
      },
      null,
      2,
    ),
  );
  if (app.databases.includes('sqlite')) seedBetterSqlite3Prebuild(npmCache);
  await runCommand(
    'npm',
    [
      'install',
      '--no-audit',
      '--no-fund',
      '--no-package-lock',
      // Metadata already in the cache is used as it is: the lines are ranges, not the newest release.
      '--prefer-offline',
      '--cache',
      npmCache,
      '--loglevel=error',
    ],
    { cwd: dir, timeoutMs: 10 * MINUTE_MS },
  );
  await runCommand(process.execPath, [typescriptCompiler(dir), '-p', 'tsconfig.json'], {
    cwd: dir,
    timeoutMs: 5 * MINUTE_MS,
  });
  const resolveFromApp = createRequire(join(dir, 'package.json')).resolve;
  return {
    app,
    dir,
    installedVersion: (name) =>
      JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')).version,
    importFromApp: (specifier) => import(pathToFileURL(resolveFromApp(specifier)).href),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/** The app's own `tsc`. */
export function typescriptCompiler(dir: string): string {
  return join(dir, 'node_modules/typescript/bin/tsc');
}
