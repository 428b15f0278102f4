import { ConfigurableModuleBuilder } from '@nestjs/common';
import { atlassianDataSourceWiring } from './accounts/atlassian-data-source.js';
import type { AtlassianModuleOptions } from './options/atlassian-module-options.interface.js';

/**
 * Set beside the options of `forRoot` / `forRootAsync`, never by an options factory: they decide what
 * the module imports, which is fixed before any factory runs.
 */
export interface AtlassianModuleExtras {
  /**
   * Make the module's exports global.
   * @defaultValue `false`
   */
  isGlobal?: boolean;
  /**
   * Name of the TypeORM connection (`TypeOrmModule.forRoot({ name })`) that holds this module's
   * tables; the module registers its entities there and reads and writes nothing else.
   * @defaultValue the app's default DataSource
   */
  dataSource?: string;
}

/** `forRoot` / `forRootAsync` (useFactory, useClass, useExisting) and the `isGlobal` and `dataSource` extras. */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AtlassianModuleOptions>({
    moduleName: 'Atlassian',
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createAtlassianOptions')
    // Every extra needs a default here: only these keys are kept out of the options themselves.
    .setExtras<AtlassianModuleExtras>(
      { isGlobal: false, dataSource: undefined },
      (definition, extras) => {
        const wiring = atlassianDataSourceWiring(extras.dataSource);
        return {
          ...definition,
          global: extras.isGlobal,
          imports: [...(definition.imports ?? []), ...wiring.imports],
          providers: [...(definition.providers ?? []), ...wiring.providers],
          exports: [...(definition.exports ?? []), ...wiring.exports],
        };
      },
    )
    .build();

/** What `AtlassianModule.forRoot()` takes: the module options, `isGlobal` and `dataSource`. */
export type AtlassianModuleForRootOptions = typeof OPTIONS_TYPE;

/** What `AtlassianModule.forRootAsync()` takes: `useFactory`, `useClass` or `useExisting`, `isGlobal` and `dataSource`. */
export type AtlassianModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
