import type { DataSource } from 'typeorm';
import type { PartHealth } from './health-check.js';

/** Whether the module's database answers a trivial query within `timeoutMs`. */
export async function checkDatabase(
  dataSource: DataSource,
  timeoutMs: number,
): Promise<PartHealth> {
  const startedAt = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    await Promise.race([dataSource.query('SELECT 1'), timeout]);
    return { status: 'up', responseTimeMs: Math.round(performance.now() - startedAt) };
  } catch (err) {
    return {
      status: 'down',
      reason:
        `The database did not answer (${(err as Error).message}): tokens can be neither read nor refreshed. ` +
        `Check that it runs and that this app reaches it with its TypeORM settings.`,
    };
  } finally {
    clearTimeout(timer);
  }
}
