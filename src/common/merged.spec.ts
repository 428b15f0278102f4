import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { merged } from './merged.js';

/** The compiled module (the global setup runs `tsc` first), for a Node process of its own. */
const COMPILED = fileURLToPath(new URL('../../dist/src/common/merged.js', import.meta.url));

describe('merged', () => {
  it('has the properties of both, the later one winning, and leaves both as they were', () => {
    const base = { a: 1, b: 'kept' };
    const extra = { a: 2, c: null };
    expect(merged(base, extra)).toEqual({ a: 2, b: 'kept', c: null });
    expect(base).toEqual({ a: 1, b: 'kept' });
    expect(extra).toEqual({ a: 2, c: null });
  });

  it('gives every call the same hidden class (the reason it exists)', () => {
    expect(existsSync(COMPILED)).toBe(true);
    // %HaveSameMap needs V8's natives syntax: a process of its own, over the compiled module.
    const script = `
      const { merged } = await import(${JSON.stringify(pathToFileURL(COMPILED).href)});
      const sameMap = new Function('a', 'b', 'return %HaveSameMap(a, b)');
      let same = 0;
      let previous;
      for (let call = 0; call < 2000; call++) {
        const result = merged({ id: String(call), token: 'x' }, { lastRefreshedAt: call, error: null });
        if (previous && sameMap(previous, result)) same++;
        previous = result;
      }
      process.stdout.write(String(same));
    `;
    const output = execFileSync(
      process.execPath,
      ['--allow-natives-syntax', '--input-type=module', '-e', script],
      { encoding: 'utf8' },
    );
    expect(Number(output)).toBe(1999);
  });
});
