import type { BitbucketScopeField, EmulatorBitbucketTokenResponse } from '../bitbucket.types.js';
import { EmulatorCodeStore } from '../oauth/emulator-code-store.js';
import { EmulatorTokenStore, type EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { PendingConsents } from '../oauth/pending-consents.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import { bitbucketTokenProfile } from './bitbucket-oauth.js';

/** How bitbucket.org behaves in this emulator, resolved from the options. */
export interface BitbucketSettings {
  /** Bitbucket lifetimes (the leeway is Atlassian's; no absolute expiry: Infinity). */
  durations: EmulatorTokenDurations;
  scopeField: BitbucketScopeField;
}

/**
 * bitbucket.org's own consent pages, codes and tokens. Separate from Atlassian's stores so a token or code
 * of one provider is never accepted by the other; the people (the directory) are shared.
 */
export class BitbucketState {
  /** Consent pages awaiting a decision. */
  readonly consents: PendingConsents;
  /** Issued authorization codes. */
  readonly codes: EmulatorCodeStore;
  /** Grants and tokens. */
  readonly tokens: EmulatorTokenStore<EmulatorBitbucketTokenResponse>;

  constructor(clock: EmulatorClock, settings: BitbucketSettings) {
    this.consents = new PendingConsents(clock);
    this.codes = new EmulatorCodeStore(clock);
    this.tokens = new EmulatorTokenStore(
      clock,
      bitbucketTokenProfile(settings.durations, settings.scopeField),
    );
  }
}
