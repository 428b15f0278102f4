import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { AtlassianHealthIndicator } from './atlassian-health.indicator.js';

/**
 * Provides `AtlassianHealthIndicator` for the app's `/health` controller. Import it next to
 * `AtlassianModule.forRoot()`; only this entry point (`nestjs-atlassian/health`) needs `@nestjs/terminus`.
 */
@Module({
  imports: [TerminusModule],
  providers: [AtlassianHealthIndicator],
  exports: [AtlassianHealthIndicator],
})
export class AtlassianHealthModule {}
