import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as entry from './index.js';

/** The names `src/index.ts` exports, split by whether the statement is marked `@internal`. */
function indexExports(): { published: string[]; internal: string[] } {
  const source = readFileSync(new URL('./index.ts', import.meta.url), 'utf8');
  const published: string[] = [];
  const internal: string[] = [];
  const statement = /(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export\s+(?:type\s+)?\{([^}]*)\}\s+from/g;
  for (const [, doc, names] of source.matchAll(statement)) {
    for (const name of names.split(',').map((part) => part.trim())) {
      if (!name) continue;
      const exported = name
        .replace(/^type\s+/, '')
        .split(/\s+as\s+/)
        .pop()!;
      (doc?.includes('@internal') ? internal : published).push(exported);
    }
  }
  return { published, internal };
}

/** The names README.md's "Exports" section lists. */
function readmeExports(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = /<!-- exports:start -->\n([\s\S]*?)<!-- exports:end -->/.exec(readme);
  if (!section) throw new Error('README.md has no <!-- exports:start/end --> list');
  return [...section[1].matchAll(/`(\w+)`/g)].map(([, name]) => name);
}

describe('the public API', () => {
  const { published, internal } = indexExports();

  it("README's Exports list is exactly what src/index.ts publishes", () => {
    const listed = readmeExports();
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual([...published].sort());
  });

  it('exports at run time nothing that is neither published nor marked @internal', () => {
    const known = new Set([...published, ...internal]);
    expect(Object.keys(entry).filter((name) => !known.has(name))).toEqual([]);
  });
});
