import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';
import type {
  WebhookRegistration,
  WebhookRegistrationStatus,
} from './webhook-registration.entity.js';

/** A webhook registration as this package hands it out: never its secret. */
export interface WebhookRegistrationView {
  id: string;
  provider: LinkedAccountProvider;
  linkedAccountId: string;
  /** Jira: the cloudId. Bitbucket: `workspace/repo_slug`, or `workspace`. */
  target: string;
  /** The provider's id: Jira's webhook id, Bitbucket's hook uuid. */
  remoteId: string;
  events: string[];
  jqlFilter: string | null;
  fieldIdsFilter: string[] | null;
  /** Jira: when it expires unless renewed; null for Bitbucket. */
  expiresAt: Date | null;
  lastRenewedAt: Date | null;
  status: WebhookRegistrationStatus;
  statusReason: string | null;
  createdAt: Date;
}

/** Copies the public fields only, so the secret can never ride along. */
export function toWebhookRegistrationView(row: WebhookRegistration): WebhookRegistrationView {
  return {
    id: row.id,
    provider: row.provider,
    linkedAccountId: row.linkedAccountId,
    target: row.target,
    remoteId: row.remoteId,
    events: row.events,
    jqlFilter: row.jqlFilter,
    fieldIdsFilter: row.fieldIdsFilter,
    expiresAt: row.expiresAt,
    lastRenewedAt: row.lastRenewedAt,
    status: row.status,
    statusReason: row.statusReason,
    createdAt: row.createdAt,
  };
}
