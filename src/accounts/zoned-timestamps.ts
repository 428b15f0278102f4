import type { DataSource } from 'typeorm';
import { atlassianEntities } from './entities/index.js';

const PATCHED = Symbol('nestjs-atlassian:zoned-timestamps');

/**
 * Tells TypeORM that this package's instant columns are `timestamptz` on PostgreSQL, as the
 * migrations make them. The entities declare `Date`, the one type both drivers accept (SQLite has no
 * `timestamptz`, PostgreSQL no `datetime`), which TypeORM maps to a zone-less `timestamp` on
 * PostgreSQL: every instance would then write and read instants in its own time zone.
 *
 * `AtlassianModule` applies it to the app's DataSource. Apply it yourself to a DataSource the
 * TypeORM CLI uses (`export default useZonedTimestamps(new DataSource({ … }))`), so that
 * `migration:generate` sees the same columns. Safe before or after `initialize()`, and more than once.
 */
export function useZonedTimestamps<T extends DataSource>(dataSource: T): T {
  if (dataSource.options.type !== 'postgres') return dataSource;
  if (dataSource.isInitialized) patchMetadata(dataSource);
  const ds = dataSource as T & { [PATCHED]?: true; buildMetadatas(): Promise<void> };
  if (!ds[PATCHED]) {
    // Metadata is rebuilt at every initialize(): patch each build, before synchronize or migrations run.
    const build = ds.buildMetadatas.bind(ds);
    ds.buildMetadatas = async () => {
      await build();
      patchMetadata(ds);
    };
    ds[PATCHED] = true;
  }
  return dataSource;
}

function patchMetadata(dataSource: DataSource): void {
  for (const entity of atlassianEntities) {
    if (!dataSource.hasMetadata(entity)) continue;
    for (const column of dataSource.getMetadata(entity).columns) {
      if (column.type === Date || column.type === 'timestamp') column.type = 'timestamptz';
    }
  }
}
