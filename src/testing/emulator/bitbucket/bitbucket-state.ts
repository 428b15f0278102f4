import type { BitbucketScopeField, EmulatorBitbucketTokenResponse } from '../bitbucket.types.js';
import { EmulatorCodeStore } from '../oauth/emulator-code-store.js';
import type { EmulatorDirectory } from '../oauth/emulator-directory.js';
import { EmulatorTokenStore, type EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { PendingConsents } from '../oauth/pending-consents.js';
import type { EmulatorBehaviour, SharedState } from '../oauth/shared-state.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import type { WebhookSender } from '../webhooks/webhook-sender.js';
import { BitbucketConsumers } from './bitbucket-consumers.js';
import { BitbucketHookDeliveries } from './bitbucket-hook-deliveries.js';
import { BitbucketHookStore } from './bitbucket-hooks.js';
import { BitbucketPushes } from './bitbucket-push.js';
import { bitbucketTokenProfile } from './bitbucket-oauth.js';

/** How bitbucket.org behaves in this emulator, resolved from the options. */
export interface BitbucketSettings {
  /** Bitbucket lifetimes (the leeway is Atlassian's; no absolute expiry: Infinity). */
  durations: EmulatorTokenDurations;
  scopeField: BitbucketScopeField;
}

/**
 * What bitbucket.org and api.bitbucket.org remember: their consumers, consent pages, codes and tokens.
 * Separate from Atlassian's stores so a token or code of one provider is never accepted by the other; the
 * people, clock and switches are shared. Every Bitbucket route reads this.
 */
export class BitbucketState implements SharedState {
  readonly clock: EmulatorClock;
  readonly directory: EmulatorDirectory;
  readonly behaviour: EmulatorBehaviour;
  /** Registered OAuth consumers. */
  readonly consumers = new BitbucketConsumers();
  /** Consent pages awaiting a decision. */
  readonly consents: PendingConsents;
  /** Issued authorization codes. */
  readonly codes: EmulatorCodeStore;
  /** Grants and tokens. */
  readonly tokens: EmulatorTokenStore<EmulatorBitbucketTokenResponse>;
  /** Repository and workspace webhooks. */
  readonly hooks: BitbucketHookStore;
  /** Sends events to the hooks listening for them. */
  readonly hookDeliveries: BitbucketHookDeliveries;
  /** Builds `repo:push` payloads, remembering each branch's head. */
  readonly pushes: BitbucketPushes;

  constructor(
    shared: SharedState,
    settings: BitbucketSettings,
    webhooks: { sender: WebhookSender; retryDelaysMs: readonly number[] },
  ) {
    this.clock = shared.clock;
    this.directory = shared.directory;
    this.behaviour = shared.behaviour;
    this.consents = new PendingConsents(shared.clock);
    this.codes = new EmulatorCodeStore(shared.clock);
    this.tokens = new EmulatorTokenStore(
      shared.clock,
      bitbucketTokenProfile(settings.durations, settings.scopeField),
    );
    this.hooks = new BitbucketHookStore(shared.clock);
    this.hookDeliveries = new BitbucketHookDeliveries(
      this.hooks,
      webhooks.sender,
      webhooks.retryDelaysMs,
    );
    this.pushes = new BitbucketPushes(shared.clock);
  }
}
