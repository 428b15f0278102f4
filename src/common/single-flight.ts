/** Concurrent callers with the same key share one running call instead of starting their own. */
export class SingleFlight<T> {
  private readonly running = new Map<string, Promise<T>>();

  run(key: string, work: () => Promise<T>): Promise<T> {
    const existing = this.running.get(key);
    if (existing) return existing;
    const call = work().finally(() => this.running.delete(key));
    this.running.set(key, call);
    return call;
  }
}
