import { describe, expect, it } from 'vitest';
import { PeriodicTask } from './periodic-task.js';

/** A tick that runs until `finish()` is called, counting its starts and the stop requests it saw. */
function controllableTick() {
  let finish: () => void = () => undefined;
  const seen = { starts: 0, stopRequested: false };
  const tick = async (shouldStop: () => boolean) => {
    seen.starts++;
    await new Promise<void>((resolve) => (finish = resolve));
    seen.stopRequested = shouldStop();
    return seen.starts;
  };
  return { tick, seen, finish: () => finish() };
}

describe('PeriodicTask', () => {
  it('joins a running tick instead of starting a second one', async () => {
    const { tick, seen, finish } = controllableTick();
    const task = new PeriodicTask('test', tick);
    const first = task.run();
    const second = task.run();
    finish();
    expect(await first).toBe(1);
    expect(await second).toBe(1);
    expect(seen.starts).toBe(1);
  });

  it('stop() tells the running tick to stop and resolves only once it has finished', async () => {
    const { tick, seen, finish } = controllableTick();
    const task = new PeriodicTask('test', tick);
    const running = task.run();
    let stopped = false;
    const stopping = task.stop().then(() => (stopped = true));
    await Promise.resolve();
    expect(stopped).toBe(false);
    finish();
    await stopping;
    expect(stopped).toBe(true);
    expect(seen.stopRequested).toBe(true);
    await expect(running).resolves.toBe(1);
  });

  it('starts no tick after stop()', async () => {
    const { tick, seen } = controllableTick();
    const task = new PeriodicTask('test', tick);
    await task.stop();
    await expect(task.run()).rejects.toThrow(/stopped/);
    expect(seen.starts).toBe(0);
  });
});
