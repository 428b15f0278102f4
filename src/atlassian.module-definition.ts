import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { AtlassianModuleOptions } from './options/atlassian-module-options.interface.js';

/** `forRoot` / `forRootAsync` (useFactory, useClass, useExisting) and the `isGlobal` extra. */
export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN, OPTIONS_TYPE, ASYNC_OPTIONS_TYPE } =
  new ConfigurableModuleBuilder<AtlassianModuleOptions>({
    moduleName: 'Atlassian',
  })
    .setClassMethodName('forRoot')
    .setFactoryMethodName('createAtlassianOptions')
    .setExtras({ isGlobal: false }, (definition, extras) => ({
      ...definition,
      global: extras.isGlobal,
    }))
    .build();

/** What `AtlassianModule.forRoot()` takes: the module options, and `isGlobal`. */
export type AtlassianModuleForRootOptions = typeof OPTIONS_TYPE;

/** What `AtlassianModule.forRootAsync()` takes: `useFactory`, `useClass` or `useExisting`, and `isGlobal`. */
export type AtlassianModuleAsyncOptions = typeof ASYNC_OPTIONS_TYPE;
