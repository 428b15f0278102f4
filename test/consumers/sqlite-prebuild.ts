import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_BETTER_SQLITE3 = fileURLToPath(
  new URL('../../node_modules/better-sqlite3', import.meta.url),
);

/** The better-sqlite3 version this repository installed (and built for this machine's Node). */
export function repositoryBetterSqlite3Version(): string {
  const manifest = JSON.parse(readFileSync(join(REPO_BETTER_SQLITE3, 'package.json'), 'utf8'));
  return manifest.version as string;
}

/**
 * better-sqlite3's install script runs prebuild-install, which takes a binary from
 * `<npm cache>/_prebuilds/` before it tries GitHub (out of reach here) and then compiles from source
 * (a minute, several on a busy machine). Puts the repository's own build of the same version there,
 * under the name prebuild-install derives from its download URL, so the consumer app installs in
 * seconds. When the name does not match (another prebuild-install scheme), it compiles as usual.
 */
export function seedBetterSqlite3Prebuild(npmCache: string): void {
  const version = repositoryBetterSqlite3Version();
  const asset = `better-sqlite3-v${version}-node-v${process.versions.modules}-${process.platform}-${process.arch}.tar.gz`;
  const url = `https://github.com/WiseLibs/better-sqlite3/releases/download/v${version}/${asset}`;
  const digest = createHash('sha512').update(url).digest('hex').slice(0, 6);
  const cached = join(npmCache, '_prebuilds', `${digest}-${asset.replace(/[^a-zA-Z0-9.]+/g, '-')}`);
  if (existsSync(cached)) return;
  mkdirSync(dirname(cached), { recursive: true });
  const partial = `${cached}.${process.pid}.tmp`;
  execFileSync('tar', [
    '-czf',
    partial,
    '-C',
    REPO_BETTER_SQLITE3,
    'build/Release/better_sqlite3.node',
  ]);
  renameSync(partial, cached);
}
