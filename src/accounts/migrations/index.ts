import { CreateAtlassianAccounts1795420000000 } from './1795420000000-create-atlassian-accounts.js';
import { RateLimitPauses1795700000000 } from './1795700000000-rate-limit-pauses.js';
import { ServiceAccountTokens1795800000000 } from './1795800000000-service-account-tokens.js';
import { StoredProfiles1796000000000 } from './1796000000000-stored-profiles.js';
import { PersonalDataReports1796100000000 } from './1796100000000-personal-data-reports.js';
import { AccountLastUsed1796200000000 } from './1796200000000-account-last-used.js';
import { DropLeaseOwnerIndexes1796300000000 } from './1796300000000-drop-lease-owner-indexes.js';
import { ZonedTimestamps1795500000000 } from './1795500000000-zoned-timestamps.js';
import { BuiltInUuidDefaults1795600000000 } from './1795600000000-built-in-uuid-defaults.js';
import { WebhookRegistrations1795900000000 } from './1795900000000-webhook-registrations.js';
import { WebhookDeliveries1795950000000 } from './1795950000000-webhook-deliveries.js';

export {
  CreateAtlassianAccounts1795420000000,
  ZonedTimestamps1795500000000,
  BuiltInUuidDefaults1795600000000,
  RateLimitPauses1795700000000,
  ServiceAccountTokens1795800000000,
  WebhookRegistrations1795900000000,
  WebhookDeliveries1795950000000,
  StoredProfiles1796000000000,
  PersonalDataReports1796100000000,
  AccountLastUsed1796200000000,
  DropLeaseOwnerIndexes1796300000000,
};

/** This package's migrations, in order: add them to your DataSource's `migrations`. */
export const atlassianMigrations = [
  CreateAtlassianAccounts1795420000000,
  ZonedTimestamps1795500000000,
  BuiltInUuidDefaults1795600000000,
  RateLimitPauses1795700000000,
  ServiceAccountTokens1795800000000,
  WebhookRegistrations1795900000000,
  WebhookDeliveries1795950000000,
  StoredProfiles1796000000000,
  PersonalDataReports1796100000000,
  AccountLastUsed1796200000000,
  DropLeaseOwnerIndexes1796300000000,
];
