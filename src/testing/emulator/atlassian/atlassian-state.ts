import type { EmulatorTokenResponse } from '../emulator.types.js';
import { EmulatorCodeStore } from '../oauth/emulator-code-store.js';
import type { EmulatorDirectory } from '../oauth/emulator-directory.js';
import { EmulatorTokenStore, type EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { PendingConsents } from '../oauth/pending-consents.js';
import type { EmulatorBehaviour, SharedState } from '../oauth/shared-state.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import { AtlassianClients } from './atlassian-clients.js';
import { atlassianTokenProfile } from './atlassian-oauth.js';
import { AtlassianServiceAccounts } from './atlassian-service-accounts.js';
import type { WebhookSender } from '../webhooks/webhook-sender.js';
import { JiraIssueStore } from './jira-issues.js';
import { JiraWebhooks } from './jira-webhooks.js';
import { AtlassianRateLimiter } from './rate-limits/atlassian-rate-limiter.js';

/**
 * What auth.atlassian.com and api.atlassian.com remember, in memory: their apps and service accounts, consent
 * pages, codes, tokens, issues and rate-limit budgets, beside the people, clock and switches shared with
 * Bitbucket. Every Atlassian route reads this.
 */
export class AtlassianState implements SharedState {
  readonly clock: EmulatorClock;
  readonly directory: EmulatorDirectory;
  readonly behaviour: EmulatorBehaviour;
  /** Registered apps. */
  readonly clients = new AtlassianClients();
  /** Registered service-account credentials (client credentials grant). */
  readonly serviceAccounts = new AtlassianServiceAccounts();
  /** Jira issues per site, as the API changed them. */
  readonly issues = new JiraIssueStore();
  /** Dynamic webhooks: registrations, and the deliveries issue changes cause. */
  readonly webhooks: JiraWebhooks;
  /** Points-based rate limits on the product routes (none until configured). */
  readonly rateLimits: AtlassianRateLimiter;
  /** Consent pages awaiting a decision. */
  readonly consents: PendingConsents;
  /** Issued authorization codes. */
  readonly codes: EmulatorCodeStore;
  /** Grants and tokens. */
  readonly tokens: EmulatorTokenStore<EmulatorTokenResponse>;
  /** Rotates the order of accessible resources between calls (starts at 1 so even the first answer is not insertion order). */
  resourceRotation = 1;

  constructor(
    shared: SharedState,
    durations: EmulatorTokenDurations,
    webhooks: { sender: WebhookSender; retryDelaysMs: readonly number[] },
  ) {
    this.clock = shared.clock;
    this.directory = shared.directory;
    this.behaviour = shared.behaviour;
    this.consents = new PendingConsents(shared.clock);
    this.codes = new EmulatorCodeStore(shared.clock);
    this.tokens = new EmulatorTokenStore(shared.clock, atlassianTokenProfile(durations));
    this.rateLimits = new AtlassianRateLimiter(shared.clock);
    this.webhooks = new JiraWebhooks(
      shared.clock,
      webhooks.sender,
      webhooks.retryDelaysMs,
      (clientId) =>
        this.clients.get(clientId)?.clientSecret ??
        this.serviceAccounts.get(clientId)?.clientSecret,
    );
  }
}
