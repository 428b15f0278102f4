import type { DataSource, Logger } from 'typeorm';

/** A captured statement with its parameters. */
export interface CapturedQuery {
  sql: string;
  parameters: unknown[];
}

/** A TypeORM logger that records the statements run while `during()` runs, and nothing else. */
export class QueryCapture implements Logger {
  private captured: CapturedQuery[] | undefined;

  /** The statements `work` ran. */
  async during(work: () => Promise<unknown>): Promise<CapturedQuery[]> {
    this.captured = [];
    try {
      await work();
      return this.captured;
    } finally {
      this.captured = undefined;
    }
  }

  /** The statements `work` ran on `dataSource`, with this capture standing in for its logger meanwhile. */
  async on(dataSource: DataSource, work: () => Promise<unknown>): Promise<CapturedQuery[]> {
    const logger = dataSource.logger;
    Object.defineProperty(dataSource, 'logger', { value: this, configurable: true });
    try {
      return await this.during(work);
    } finally {
      Object.defineProperty(dataSource, 'logger', { value: logger, configurable: true });
    }
  }

  logQuery(sql: string, parameters?: unknown[]): void {
    this.captured?.push({ sql, parameters: parameters ?? [] });
  }

  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}
