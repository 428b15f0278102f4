import type { DataSource, EntityMetadata } from 'typeorm';

/** TypeORM's column metadata (exported by name only from a deep path). */
export type ColumnMetadata = EntityMetadata['columns'][number];

/**
 * Copies the `columns` of a raw row (keyed by database name) onto `row` (by property name), each value
 * hydrated by the driver from the column's metadata: dates, zones and JSON read exactly as an entity
 * read through the query builder reads them, on SQLite and PostgreSQL. For plain SQL that returns rows.
 */
export function hydrateColumns<T extends object>(
  driver: DataSource['driver'],
  columns: readonly ColumnMetadata[],
  raw: Record<string, unknown>,
  row: T,
): T {
  const target = row as Record<string, unknown>;
  for (const column of columns)
    target[column.propertyName] = driver.prepareHydratedValue(raw[column.databaseName], column);
  return row;
}
