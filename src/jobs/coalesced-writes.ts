/** One fenced write waiting for its statement. */
interface WaitingWrite<Row> {
  id: string;
  row: Row;
  resolve: (written: boolean) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for fenced writes of one shape: a write sent while {@link maxRunning} statements are
 * already in the database waits, and the writes that wait together go as one statement. A sweep
 * stores hundreds of rotated pairs a second; one statement and one commit each kept PostgreSQL's
 * backends queued on the WAL flush of each other's commits, and cost a parse, a plan and a round
 * trip per row. Alone, a write goes at once: it waits only behind statements already running.
 *
 * Each write learns whether its own row was written (`send` returns the ids it wrote); when the
 * statement fails, every write in it fails with that error, and each caller retries as it would alone.
 */
export class CoalescedWrites<Row> {
  private readonly waiting: Array<WaitingWrite<Row>> = [];
  private running = 0;

  constructor(
    /** Writes `rows` in one statement; resolves with the ids of the rows it wrote. */
    private readonly send: (rows: Array<{ id: string; row: Row }>) => Promise<Set<string>>,
    /** Most rows in one statement (bounded by the database's parameter limit). */
    private readonly maxRows: number,
    /** Statements of this shape in the database at once. */
    private readonly maxRunning: number,
  ) {}

  /** Writes `row` (of the row `id`); true when the database wrote it. */
  write(id: string, row: Row): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      this.waiting.push({ id, row, resolve, reject });
      this.startStatements();
    });
  }

  private startStatements(): void {
    while (this.running < this.maxRunning && this.waiting.length > 0) {
      const batch = this.takeBatch();
      this.running++;
      void this.send(batch.map(({ id, row }) => ({ id, row })))
        .then(
          (written) => {
            for (const write of batch) write.resolve(written.has(write.id));
          },
          (error: unknown) => {
            for (const write of batch) write.reject(error);
          },
        )
        .finally(() => {
          this.running--;
          this.startStatements();
        });
    }
  }

  /** The oldest waiting writes, one per row: a second write of the same row waits for the next statement. */
  private takeBatch(): Array<WaitingWrite<Row>> {
    const batch: Array<WaitingWrite<Row>> = [];
    const ids = new Set<string>();
    let kept = 0;
    for (const write of this.waiting) {
      if (batch.length < this.maxRows && !ids.has(write.id)) {
        ids.add(write.id);
        batch.push(write);
      } else this.waiting[kept++] = write;
    }
    this.waiting.length = kept;
    return batch;
  }
}
