import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

/** The line that ends an `import`/`export … from '…'` (one line, or the `} from '…'` of several), or `import '…'`. */
const STATIC = /^(?:(?:import|export)\b.*?\sfrom|\}\s*from|import)\s*['"]([^'"]+)['"]/;
/** `import('…')` with a literal. */
const DYNAMIC = /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;
/** Comment lines, whose prose may say "from" and quote things. */
const COMMENT = /^(?:\/\/|\/\*|\*)/;

/** The packages the JavaScript files under `dir` import (not node's builtins, not relative paths). */
export function importedPackages(dir: string): string[] {
  const packages = new Set<string>();
  for (const entry of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!entry.endsWith('.js')) continue;
    for (const raw of readFileSync(join(dir, entry), 'utf8').split('\n')) {
      const line = raw.trim();
      if (COMMENT.test(line)) continue;
      const specifiers = [STATIC.exec(line)?.[1], ...[...line.matchAll(DYNAMIC)].map((m) => m[1])];
      for (const specifier of specifiers) {
        if (!specifier || specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const name = specifier
          .split('/')
          .slice(0, specifier.startsWith('@') ? 2 : 1)
          .join('/');
        if (!builtinModules.includes(name)) packages.add(name);
      }
    }
  }
  return [...packages].sort();
}
