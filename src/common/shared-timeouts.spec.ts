import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { SharedTimeouts } from './shared-timeouts.js';

describe('SharedTimeouts', () => {
  it('hands calls that start together one signal, and later calls a new one', async () => {
    const timeouts = new SharedTimeouts(60_000);
    const first = timeouts.next();
    expect(timeouts.next()).toBe(first);
    await sleep(15);
    expect(timeouts.next()).not.toBe(first);
  });

  it('aborts with a TimeoutError, never before the timeout', async () => {
    const timeouts = new SharedTimeouts(50);
    const startedAt = performance.now();
    const signal = timeouts.next();
    const abortedAt = await new Promise<number>((resolve) =>
      signal.addEventListener('abort', () => resolve(performance.now())),
    );
    expect(abortedAt - startedAt).toBeGreaterThanOrEqual(50);
    expect((signal.reason as Error).name).toBe('TimeoutError');
  });
});
