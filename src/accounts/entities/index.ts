import { RateLimitPause } from '../../clients/rate-limits/rate-limit-pause.entity.js';
import { ServiceAccountToken } from '../../clients/service-accounts/service-account-token.entity.js';
import { WebhookRegistration } from '../../webhooks/registrations/webhook-registration.entity.js';
import { AtlassianSite } from './atlassian-site.entity.js';
import { LinkedAccount } from './linked-account.entity.js';

export { AtlassianSite, LinkedAccount, ServiceAccountToken, WebhookRegistration };
export type { LinkedAccountProvider, LinkedAccountStatus } from './linked-account.entity.js';

/** The entities to register with TypeORM (`entities: [...atlassianEntities]`, or `autoLoadEntities: true`). */
export const atlassianEntities = [
  LinkedAccount,
  AtlassianSite,
  RateLimitPause,
  ServiceAccountToken,
  WebhookRegistration,
];
