import { Module } from '@nestjs/common';
import { EventEmitterModule } from '@nestjs/event-emitter';
import { ScheduleModule } from '@nestjs/schedule';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AtlassianModule, atlassianMigrations } from 'nestjs-atlassian';
import { AtlassianHealthModule } from 'nestjs-atlassian/health';
import { ApiController } from './api.controller.js';
import { AuthController } from './auth.controller.js';
import { HealthController } from './health.controller.js';
import { RefreshEventsListener } from './refresh-events.listener.js';
import { settings } from './settings.js';

/** An app as the README tells one to write it, configured by the environment the test gives it. */
@Module({
  imports: [
    TypeOrmModule.forRoot({
      ...settings.database,
      autoLoadEntities: true,
      migrations: atlassianMigrations,
      migrationsRun: true,
    }),
    ScheduleModule.forRoot(),
    EventEmitterModule.forRoot(),
    TerminusModule,
    AtlassianModule.forRootAsync({
      useFactory: () => ({
        atlassian: {
          clientId: settings.clientId,
          clientSecret: settings.clientSecret,
          callbackURL: `${settings.appURL}/auth/atlassian/callback`,
          authBaseURL: settings.emulatorURL,
          apiBaseURL: settings.emulatorURL,
          scope: ['read:jira-work', 'read:jira-user'],
        },
        encryptionKeys: [settings.encryptionKey],
        // Ticks only when the test asks (POST /api/refresh-sweep), and then every token is due.
        refreshScheduler: { cron: '0 0 0 1 1 *', windowSeconds: 86_400 },
      }),
    }),
    AtlassianHealthModule,
  ],
  controllers: [AuthController, ApiController, HealthController],
  providers: [RefreshEventsListener],
})
export class AppModule {}
