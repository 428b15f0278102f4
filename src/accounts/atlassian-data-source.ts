import { Inject, type Provider } from '@nestjs/common';
import { getDataSourceToken, getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import { atlassianEntities } from './entities/index.js';

/**
 * Injection token of the DataSource `AtlassianModule` works on: the app's default one, or the
 * TypeORM connection its `dataSource` extra names.
 * @internal
 */
export const ATLASSIAN_DATA_SOURCE = Symbol('ATLASSIAN_DATA_SOURCE');

const repositoryTokens = new Map<Function, symbol>();

/**
 * Injection token of the repository of one of this package's entities on the module's DataSource.
 * @internal
 */
export function atlassianRepositoryToken(entity: Function): symbol {
  let token = repositoryTokens.get(entity);
  if (!token) repositoryTokens.set(entity, (token = Symbol(`${entity.name}Repository`)));
  return token;
}

/**
 * Injects the repository of `entity` on the module's DataSource: `@InjectRepository(entity)` names
 * the default one only, and which one the module uses is known when the app imports it.
 * @internal
 */
export const InjectAtlassianRepository = (entity: Function): ParameterDecorator =>
  Inject(atlassianRepositoryToken(entity));

/**
 * Injects the module's DataSource.
 * @internal
 */
export const InjectAtlassianDataSource = (): ParameterDecorator => Inject(ATLASSIAN_DATA_SOURCE);

/**
 * What ties the module to one TypeORM connection, the default one unless `dataSource` names another:
 * its entities registered there (for `autoLoadEntities`), and the DataSource and repositories the
 * module injects, taken from there.
 * @internal
 */
export function atlassianDataSourceWiring(dataSource: string | undefined) {
  const providers: Provider[] = [
    { provide: ATLASSIAN_DATA_SOURCE, useExisting: getDataSourceToken(dataSource) },
    ...atlassianEntities.map((entity) => ({
      provide: atlassianRepositoryToken(entity),
      useExisting: getRepositoryToken(entity, dataSource),
    })),
  ];
  return {
    imports: [TypeOrmModule.forFeature(atlassianEntities, dataSource)],
    providers,
    exports: [ATLASSIAN_DATA_SOURCE],
  };
}
