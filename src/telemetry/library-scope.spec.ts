import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LIBRARY_SCOPE } from './library-scope.js';

describe('LIBRARY_SCOPE', () => {
  it('names the package and its version as package.json does (bump both together)', () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8'));
    expect(LIBRARY_SCOPE).toEqual({ name: pkg.name, version: pkg.version });
  });
});
