export { AtlassianEmulator } from './emulator/atlassian-emulator.js';
export { EmulatorClock } from './emulator/server/emulator-clock.js';
export type { EmulatorCall, EmulatorRoute } from './emulator/server/emulator-call-log.js';
export type { EmulatorFault, EmulatorFaultMatch } from './emulator/server/emulator-faults.js';
export type { JiraIssueChanges as EmulatorJiraIssueChanges } from './emulator/atlassian/jira-issue-changes.js';
export type { EmulatorWebhookDelivery } from './emulator/webhooks/webhook-deliveries.js';
export type {
  EmulatorBitbucketHookRegistration,
  EmulatorJiraWebhookRegistration,
  EmulatorWebhookRegistration,
  EmulatorWebhookRegistrationFilter,
} from './emulator/webhooks.types.js';
export type {
  AtlassianEmulatorOptions,
  EmulatorApproveOptions,
  EmulatorClientInput,
  EmulatorIssue,
  EmulatorIssueInput,
  EmulatorIssueTokensOptions,
  EmulatorProject,
  EmulatorServiceAccountInput,
  EmulatorSite,
  EmulatorSiteInput,
  EmulatorSpace,
  EmulatorTokenResponse,
  EmulatorUser,
  EmulatorUserInput,
} from './emulator/emulator.types.js';
export type {
  EmulatorBurstLimit,
  EmulatorRateLimitHeaderForm,
  EmulatorRateLimits,
  EmulatorWriteLimit,
} from './emulator/rate-limits.types.js';
export type {
  BitbucketScopeField,
  EmulatorBitbucketConsumer,
  EmulatorBitbucketConsumerInput,
  EmulatorBitbucketEmail,
  EmulatorBitbucketIdentity,
  EmulatorBitbucketOptions,
  EmulatorBitbucketPushInput,
  EmulatorBitbucketPushResult,
  EmulatorBitbucketRepository,
  EmulatorBitbucketRepositoryInput,
  EmulatorBitbucketTokenResponse,
  EmulatorBitbucketUserInput,
  EmulatorBitbucketWorkspace,
  EmulatorBitbucketWorkspaceInput,
  EmulatorIssueBitbucketTokensOptions,
} from './emulator/bitbucket.types.js';
export {
  BITBUCKET_CONSUMER_DEFAULT_SCOPES,
  DEFAULT_EMULATOR_BITBUCKET_CONSUMER,
  EMULATOR_BITBUCKET_DEFAULT_DURATIONS,
} from './emulator/bitbucket-defaults.js';
export {
  CONFLUENCE_SCOPES,
  DEFAULT_EMULATOR_ACCOUNT_ID,
  DEFAULT_EMULATOR_CLIENT,
  DEFAULT_EMULATOR_CLOUD_IDS,
  DEFAULT_EMULATOR_USER,
  EMULATOR_DEFAULT_DURATIONS,
  EMULATOR_WEBHOOK_DEFAULTS,
  JIRA_SCOPES,
} from './emulator/emulator-defaults.js';
