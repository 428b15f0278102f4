import type { DataSource, ObjectLiteral } from 'typeorm';

type Escape = (
  sql: string,
  parameters: ObjectLiteral,
  native: ObjectLiteral,
) => [string, unknown[]];

/**
 * The driver's `escapeQueryWithParameters`: named parameters (`:name`, `:...list`) to the driver's
 * placeholders and their values in order. Called with its third argument (native parameters, none
 * here), which TypeORM 1 no longer declares but 0.3 reads unconditionally: without it, every
 * statement built here failed on 0.3.
 */
export function escapedQuery(
  driver: DataSource['driver'],
  sql: string,
  parameters: ObjectLiteral,
): [string, unknown[]] {
  return (driver.escapeQueryWithParameters as Escape).call(driver, sql, parameters, {});
}
