import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
  type Type,
} from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AtlassianModule, atlassianEntities, atlassianMigrations } from '../src/index.js';
import type { AtlassianEmulator } from '../src/testing/index.js';
import { ApiController } from './api.controller.js';
import { AuthController } from './auth.controller.js';
import { BitbucketController } from './bitbucket.controller.js';
import type { DemoSettings } from './demo-config.js';
import { DemoEmulatorHost } from './demo-emulator.js';
import { HomeController } from './home.controller.js';
import { DemoSession } from './session/demo-session.js';
import { SessionMiddleware } from './session/session.middleware.js';
import { SignedInGuard } from './session/signed-in.guard.js';
import { DemoWebhookEvents } from './webhooks/demo-webhook-events.js';
import { DemoWebhookRegistrations } from './webhooks/demo-webhook-registrations.js';
import { EmulatorActionsController } from './webhooks/emulator-actions.controller.js';
import { WebhooksController } from './webhooks/webhooks.controller.js';

/**
 * The demo app: TypeORM (SQLite or PostgreSQL), the scheduler, the Atlassian module (with Bitbucket when
 * configured), its own sign-in cookie, and its controllers.
 */
@Module({})
export class AppModule implements NestModule {
  constructor(private readonly config: ConfigService<DemoSettings, true>) {}

  /** `settings` are served by `ConfigService`; `emulator`, when given, is stopped with the app. */
  static register(settings: DemoSettings, emulator?: AtlassianEmulator): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot({
          isGlobal: true,
          ignoreEnvFile: true,
          skipProcessEnv: true,
          load: [() => settings],
        }),
        // The host owns the scheduler; the library registers its proactive token refresh with it.
        ScheduleModule.forRoot(),
        // The library publishes its events (refreshes, webhook deliveries, closed accounts) through it.
        EventEmitterModule.forRoot(),
        TypeOrmModule.forRootAsync({
          inject: [ConfigService],
          useFactory: (config: ConfigService<DemoSettings, true>) => ({
            ...config.get('database', { infer: true }),
            entities: atlassianEntities,
            migrations: atlassianMigrations,
            migrationsRun: true,
          }),
        }),
        AtlassianModule.forRootAsync({
          imports: [ConfigModule],
          inject: [ConfigService],
          useFactory: (config: ConfigService<DemoSettings, true>) => {
            const bitbucket = config.get('bitbucket', { infer: true });
            return {
              atlassian: {
                clientId: config.get('atlassian.clientId', { infer: true }),
                clientSecret: config.get('atlassian.clientSecret', { infer: true }),
                callbackURL: config.get('atlassian.callbackURL', { infer: true }),
                authBaseURL: config.get('atlassian.authBaseURL', { infer: true }),
                apiBaseURL: config.get('atlassian.apiBaseURL', { infer: true }),
                scope: config.get('atlassian.scopes', { infer: true }),
              },
              bitbucket: bitbucket && {
                clientId: bitbucket.clientId,
                clientSecret: bitbucket.clientSecret,
                callbackURL: bitbucket.callbackURL,
                authBaseURL: bitbucket.authBaseURL,
                apiBaseURL: bitbucket.apiBaseURL,
              },
              encryptionKeys: [config.get('tokenEncryptionKey', { infer: true })],
              personalDataReporting: {
                cron: config.get('personalDataReportingCron', { infer: true }),
              },
              // Where Jira and Bitbucket deliver: this app's WebhooksController. Real Jira needs a
              // public HTTPS URL here (e.g. a tunnel), so the demo's own URL works with the emulator only.
              webhooks: {
                jiraUrl: `${config.get('publicURL', { infer: true })}/webhooks/jira`,
                bitbucketUrl: `${config.get('publicURL', { infer: true })}/webhooks/bitbucket`,
              },
            };
          },
        }),
      ],
      controllers: [
        ...controllersFor(settings),
        WebhooksController,
        ...(emulator ? [EmulatorActionsController] : []),
      ],
      providers: [
        DemoSession,
        SignedInGuard,
        DemoWebhookEvents,
        DemoWebhookRegistrations,
        { provide: DemoEmulatorHost, useValue: new DemoEmulatorHost(emulator) },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(SessionMiddleware).forRoutes(
      ...controllersFor({ bitbucket: this.config.get('bitbucket', { infer: true }) }),
      // Its paths only: without the emulator the controller is not mounted and they answer 404.
      EmulatorActionsController,
    );
  }
}

/** Without a Bitbucket consumer there is no `bitbucket` strategy: its routes are left out rather than failing. */
function controllersFor(settings: Pick<DemoSettings, 'bitbucket'>): Type[] {
  return [
    HomeController,
    AuthController,
    ApiController,
    ...(settings.bitbucket ? [BitbucketController] : []),
  ];
}
