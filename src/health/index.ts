export { AtlassianHealthModule } from './atlassian-health.module.js';
export { AtlassianHealthIndicator } from './atlassian-health.indicator.js';
export type { HealthOptions } from '../options/atlassian-module-options.interface.js';
export type { RefreshSchedulerStatus } from '../tokens/token-refresh.scheduler.js';
