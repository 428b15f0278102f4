import { describe, expect, it } from 'vitest';
import { CoalescedWrites } from './coalesced-writes.js';

/** A database stand-in whose statements finish only when the test says so. */
function heldStatements() {
  const statements: Array<{
    rows: Array<{ id: string; row: string }>;
    finish: (written: string[]) => void;
    fail: (error: Error) => void;
  }> = [];
  const send = (rows: Array<{ id: string; row: string }>) =>
    new Promise<Set<string>>((resolve, reject) => {
      statements.push({
        rows: [...rows],
        finish: (written) => resolve(new Set(written)),
        fail: reject,
      });
    });
  return { statements, send };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('CoalescedWrites', () => {
  it('sends a lone write at once, and groups what arrives while statements run', async () => {
    const { statements, send } = heldStatements();
    const writes = new CoalescedWrites(send, 100, 2);
    const first = writes.write('a', 'A');
    const second = writes.write('b', 'B');
    const waiting = ['c', 'd', 'e'].map((id) => writes.write(id, id.toUpperCase()));
    expect(statements.map((s) => s.rows.map((r) => r.id))).toEqual([['a'], ['b']]);

    statements[0].finish(['a']);
    await settle();
    expect(await first).toBe(true);
    expect(statements[2].rows).toEqual([
      { id: 'c', row: 'C' },
      { id: 'd', row: 'D' },
      { id: 'e', row: 'E' },
    ]);

    // Each write learns about its own row: `d` was fenced out.
    statements[2].finish(['c', 'e']);
    statements[1].finish(['b']);
    expect(await second).toBe(true);
    expect(await Promise.all(waiting)).toEqual([true, false, true]);
  });

  it('fails every write of a failed statement with its error, and goes on with the next', async () => {
    const { statements, send } = heldStatements();
    const writes = new CoalescedWrites(send, 100, 1);
    const first = writes.write('a', 'A');
    const grouped = [writes.write('b', 'B'), writes.write('c', 'C')];
    const refused = new Error('connection lost');
    statements[0].finish(['a']);
    await settle();
    statements[1].fail(refused);
    for (const write of grouped) await expect(write).rejects.toBe(refused);
    expect(await first).toBe(true);

    const retried = writes.write('b', 'B');
    statements[2].finish(['b']);
    expect(await retried).toBe(true);
  });

  it('never puts two writes of one row in one statement, nor more rows than allowed', async () => {
    const { statements, send } = heldStatements();
    const writes = new CoalescedWrites(send, 2, 1);
    const all = [
      writes.write('a', 'A1'),
      writes.write('a', 'A2'),
      writes.write('b', 'B'),
      writes.write('c', 'C'),
    ];
    for (let index = 0; index < 3; index++) {
      await settle();
      statements[index].finish(statements[index].rows.map((r) => r.id));
    }
    await Promise.all(all);
    expect(statements.map((s) => s.rows.map((r) => r.row))).toEqual([['A1'], ['A2', 'B'], ['C']]);
  });
});
