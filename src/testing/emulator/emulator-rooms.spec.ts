import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const EMULATOR = dirname(fileURLToPath(import.meta.url));

/** The rooms each room may import besides itself; `docs/emulator.md` ("Inside the emulator") promises these. */
const MAY_IMPORT: Record<string, string[]> = {
  server: [],
  oauth: ['server'],
  webhooks: ['server'],
  atlassian: ['oauth', 'server', 'webhooks'],
  bitbucket: ['oauth', 'server', 'webhooks'],
};

/** The public types and defaults at the top, which import no room and which every room may read. */
const VOCABULARY = [
  'emulator.types.ts',
  'rate-limits.types.ts',
  'bitbucket.types.ts',
  'webhooks.types.ts',
  'emulator-defaults.ts',
  'bitbucket-defaults.ts',
];

function roomOf(file: string): string {
  const path = relative(EMULATOR, file).split(sep);
  return path.length > 1 ? path[0]! : 'top';
}

/** Every relative import of `file`: the importing file and the imported one, as absolute paths. */
function importsOf(file: string): Array<{ from: string; to: string }> {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/from '(\.{1,2}\/[^']+)\.js'/g)].map((match) => ({
    from: file,
    to: resolve(dirname(file), `${match[1]}.ts`),
  }));
}

// Specs are left out: they drive the emulator through the facade, as a user does.
const sources = readdirSync(EMULATOR, { recursive: true, encoding: 'utf8' })
  .filter((path) => path.endsWith('.ts') && !path.endsWith('.spec.ts'))
  .map((path) => join(EMULATOR, path));

describe('the emulator rooms', () => {
  it('import only the rooms below them, and the public types and defaults at the top', () => {
    const strays = sources
      .filter((file) => roomOf(file) !== 'top')
      .flatMap(importsOf)
      .filter(({ from, to }) => {
        const [importer, imported] = [roomOf(from), roomOf(to)];
        if (imported === importer || MAY_IMPORT[importer]?.includes(imported)) return false;
        return !(imported === 'top' && VOCABULARY.includes(relative(EMULATOR, to)));
      })
      .map(({ from, to }) => `${relative(EMULATOR, from)} -> ${relative(EMULATOR, to)}`);
    expect(strays).toEqual([]);
  });

  it('keep the vocabulary at the top free of any room', () => {
    const vocabularyImports = VOCABULARY.flatMap((name) => importsOf(join(EMULATOR, name)));
    expect(vocabularyImports.filter(({ to }) => roomOf(to) !== 'top')).toEqual([]);
  });
});
