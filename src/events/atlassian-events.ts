import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';

/** Event names published through `@nestjs/event-emitter` when the host app has it. */
export const AtlassianEvents = {
  TokenRefreshed: 'atlassian.token.refreshed',
  TokenRefreshFailed: 'atlassian.token.refresh_failed',
  ReauthRequired: 'atlassian.account.reauth_required',
  ConsentExpiring: 'atlassian.consent.expiring',
  AccountClosed: 'atlassian.account.closed',
  ProfileUpdated: 'atlassian.account.profile_updated',
  PersonalDataReported: 'atlassian.personal_data.reported',
  /** Not under `atlassian.webhook.`, where deliveries are published: a listener of those never gets this. */
  WebhookRegistrationStopped: 'atlassian.webhook_registration.stopped',
} as const;

/** Every event names its account; none ever carries a token. */
export interface AccountEvent {
  accountId: string;
  userId: string;
  provider: LinkedAccountProvider;
}

/** A refresh stored a new token pair. */
export interface TokenRefreshedEvent extends AccountEvent {
  accessTokenExpiresAt: Date | null;
}

/** A refresh failed for a reason that may pass; tokens kept, retried after `retryAt`. */
export interface TokenRefreshFailedEvent extends AccountEvent {
  reason: string;
  retryAt: Date;
  failureCount: number;
}

/** The provider refused the refresh token: the user must connect again. */
export interface ReauthRequiredEvent extends AccountEvent {
  reason: string;
}

/** The 365-day consent ends soon: ask the user to connect again before `consentExpiresAt`. */
export interface ConsentExpiringEvent extends AccountEvent {
  consentExpiresAt: Date;
}

/**
 * Atlassian reported the person closed: this linked account's personal data is erased, its tokens
 * forgotten, its status `closed`. Erase the app's own copies of that person's data. Ids only.
 */
export interface AccountClosedEvent extends AccountEvent {
  /** The Atlassian account id that was reported. */
  atlassianAccountId: string;
}

/**
 * Atlassian reported the person's personal data changed: this linked account's profile was fetched
 * again (`refetched`), or erased when no token could fetch it. Ids only.
 */
export interface ProfileUpdatedEvent extends AccountEvent {
  atlassianAccountId: string;
  refetched: boolean;
}

/**
 * A webhook registration is no longer kept alive (`status: stopped`): the account must consent again
 * (or lost the site); register it again after the user has connected.
 */
export interface WebhookRegistrationStoppedEvent extends AccountEvent {
  registrationId: string;
  /** Jira: the cloudId. */
  target: string;
  /** An error code, e.g. `reauth_required`, `atlassian_scope_missing`. */
  reason: string;
}
