import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import type { DataSource } from 'typeorm';
import { AccountLinkService } from './accounts/account-link.service.js';
import { AccountViews } from './accounts/account-views.js';
import { InjectAtlassianDataSource } from './accounts/atlassian-data-source.js';
import { ATLASSIAN_OPTIONS } from './atlassian.constants.js';
import { ConfigurableModuleClass } from './atlassian.module-definition.js';
import { atlassianProviders } from './atlassian.providers.js';
import { AtlassianClock } from './clock/atlassian-clock.js';
import { AtlassianApiClient } from './clients/atlassian-api.client.js';
import { ApiRequestExecutor } from './clients/api-request.executor.js';
import { RateLimitBudgets } from './clients/rate-limits/rate-limit-budgets.js';
import { RateLimitPauses } from './clients/rate-limits/rate-limit-pauses.js';
import { ServiceAccountTokenStore } from './clients/service-accounts/service-account-token.store.js';
import { ServiceAccountTokens } from './clients/service-accounts/service-account-tokens.js';
import { AtlassianAuthGuard } from './guards/atlassian-auth.guard.js';
import { BitbucketAuthGuard } from './guards/bitbucket-auth.guard.js';
import { BitbucketApiClient } from './clients/bitbucket-api.client.js';
import { AtlassianScopesGuard } from './guards/atlassian-scopes.guard.js';
import { AtlassianStrategy } from './strategies/atlassian.strategy.js';
import { AtlassianEventPublisher } from './events/atlassian-event-publisher.js';
import { AccountTokenStore } from './tokens/account-token.store.js';
import { AtlassianTokenService } from './tokens/atlassian-token.service.js';
import { useZonedTimestamps } from './accounts/zoned-timestamps.js';
import { ConsentWarningJob } from './tokens/consent-warning.job.js';
import { TokenKeyRotationService } from './tokens/token-key-rotation.service.js';
import { TokenRefreshJob } from './tokens/token-refresh.job.js';
import { AccountUsageRecorder } from './tokens/account-usage.recorder.js';
import { TokenRefreshScheduler } from './tokens/token-refresh.scheduler.js';
import { TokenRefresher } from './tokens/token-refresher.js';
import { TokenCipher } from './crypto/token-cipher.js';
import { AccountRemovalHooks } from './accounts/account-removal-hooks.js';
import { AtlassianWebhookService } from './webhooks/registrations/atlassian-webhook.service.js';
import { BitbucketHookRegistrar } from './webhooks/registrations/bitbucket-hook-registrar.js';
import { JiraWebhookRegistrar } from './webhooks/registrations/jira-webhook-registrar.js';
import { WebhookRegistrationStore } from './webhooks/registrations/webhook-registration.store.js';
import { WebhookRenewalJob } from './webhooks/renewal/webhook-renewal.job.js';
import { WebhookRenewalScheduler } from './webhooks/renewal/webhook-renewal.scheduler.js';
import { AtlassianTelemetry } from './telemetry/atlassian-telemetry.js';
import { webhookReceivingProviders } from './webhooks/receiving/webhook-receiving.providers.js';
import { WebhookReceiver } from './webhooks/receiving/webhook-receiver.service.js';
import { WebhookVerifier } from './webhooks/receiving/webhook-verifier.js';
import { personalDataProviders } from './privacy/personal-data.providers.js';
import { PersonalDataReporter } from './privacy/personal-data-reporter.js';

/**
 * Sign-in with Atlassian (and Bitbucket), account linking on TypeORM, encrypted tokens kept alive,
 * API clients. The host app owns
 * `TypeOrmModule.forRoot()` (register the entities, or `autoLoadEntities: true`, and the migrations);
 * `forRoot` / `forRootAsync` add the TypeORM wiring, on the connection `dataSource` names.
 */
@Module({
  imports: [PassportModule],
  providers: [
    ...atlassianProviders,
    AccountLinkService,
    AccountViews,
    AtlassianEventPublisher,
    AccountTokenStore,
    TokenRefresher,
    AccountUsageRecorder,
    AtlassianTokenService,
    TokenRefreshJob,
    ConsentWarningJob,
    TokenRefreshScheduler,
    TokenKeyRotationService,
    RateLimitPauses,
    RateLimitBudgets,
    ApiRequestExecutor,
    ServiceAccountTokenStore,
    ServiceAccountTokens,
    AtlassianApiClient,
    AtlassianScopesGuard,
    AtlassianStrategy,
    AtlassianAuthGuard,
    BitbucketAuthGuard,
    BitbucketApiClient,
    AtlassianTelemetry,
    ...webhookReceivingProviders,
    ...personalDataProviders,
    AccountRemovalHooks,
    WebhookRegistrationStore,
    JiraWebhookRegistrar,
    BitbucketHookRegistrar,
    AtlassianWebhookService,
    WebhookRenewalJob,
    WebhookRenewalScheduler,
  ],
  exports: [
    ATLASSIAN_OPTIONS,
    AtlassianClock,
    TokenCipher,
    AccountLinkService,
    AtlassianTokenService,
    TokenRefreshScheduler,
    TokenKeyRotationService,
    AtlassianApiClient,
    AtlassianScopesGuard,
    AtlassianAuthGuard,
    BitbucketAuthGuard,
    BitbucketApiClient,
    // What the webhook guards and interceptor, made in the app's module, inject.
    WebhookVerifier,
    WebhookReceiver,
    PersonalDataReporter,
    AtlassianWebhookService,
    WebhookRenewalScheduler,
  ],
})
export class AtlassianModule extends ConfigurableModuleClass {
  constructor(@InjectAtlassianDataSource() dataSource: DataSource) {
    super();
    // Before any query of this module: instants are timestamptz on PostgreSQL (see useZonedTimestamps).
    useZonedTimestamps(dataSource);
  }
}
