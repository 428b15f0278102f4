/** A live Jira dynamic webhook, as `AtlassianEmulator.webhookRegistrations()` shows it. */
export interface EmulatorJiraWebhookRegistration {
  provider: 'jira';
  /** The `createdWebhookId`. */
  id: number;
  cloudId: string;
  /** The app that registered it. */
  clientId: string;
  /** The user (or service account) whose token registered it. */
  accountId: string;
  url: string;
  events: string[];
  jqlFilter: string;
  fieldIdsFilter?: string[];
  /** When it stops being listed and delivered, by the emulator clock, unless refreshed. */
  expiresAt: Date;
}

/** A Bitbucket hook, as `AtlassianEmulator.webhookRegistrations()` shows it: whether it has a secret, never the secret. */
export interface EmulatorBitbucketHookRegistration {
  provider: 'bitbucket';
  /** `{…}`, braces included. */
  uuid: string;
  workspace: string;
  /** The repository slug; absent for a workspace hook. */
  repository?: string;
  /** The consumer key that created it. */
  clientId: string;
  accountId: string;
  url: string;
  description: string;
  active: boolean;
  events: string[];
  secretSet: boolean;
  createdAt: Date;
}

/** Either provider's registration. */
export type EmulatorWebhookRegistration =
  EmulatorJiraWebhookRegistration | EmulatorBitbucketHookRegistration;

/** Narrows `webhookRegistrations()`: every field given must be equal. */
export interface EmulatorWebhookRegistrationFilter {
  provider?: 'jira' | 'bitbucket';
  /** Jira only. */
  cloudId?: string;
  /** Bitbucket only. */
  workspace?: string;
  /** Bitbucket only. */
  repository?: string;
  clientId?: string;
  accountId?: string;
  url?: string;
}
