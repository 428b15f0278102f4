import { BitbucketState, type BitbucketSettings } from '../bitbucket/bitbucket-state.js';
import { EmulatorCodeStore } from '../oauth/emulator-code-store.js';
import { EmulatorDirectory } from '../oauth/emulator-directory.js';
import { EmulatorTokenStore, type EmulatorTokenDurations } from '../oauth/emulator-token-store.js';
import { PendingConsents } from '../oauth/pending-consents.js';
import { atlassianTokenProfile } from '../oauth/token-profile.js';
import { EmulatorClock } from '../server/emulator-clock.js';

/** Behaviour switches the routes read at request time. */
export interface EmulatorBehaviour {
  /** Skip the consent page. */
  autoApprove: boolean;
}

/** Everything the emulator remembers, in memory, shared by the route modules. */
export class EmulatorState {
  /** Registered apps and users. */
  readonly directory = new EmulatorDirectory();
  /** Consent pages awaiting a decision. */
  readonly consents: PendingConsents;
  /** Issued authorization codes. */
  readonly codes: EmulatorCodeStore;
  /** Grants and tokens. */
  readonly tokens: EmulatorTokenStore;
  /** bitbucket.org's consents, codes and tokens. */
  readonly bitbucket: BitbucketState;
  /** Rotates the order of accessible resources between calls (starts at 1 so even the first answer is not insertion order). */
  resourceRotation = 1;

  constructor(
    /** The emulator clock. */
    readonly clock: EmulatorClock,
    durations: EmulatorTokenDurations,
    /** Behaviour switches (shared by both providers). */
    readonly behaviour: EmulatorBehaviour,
    bitbucket: BitbucketSettings,
  ) {
    this.consents = new PendingConsents(clock);
    this.codes = new EmulatorCodeStore(clock);
    this.tokens = new EmulatorTokenStore(clock, atlassianTokenProfile(durations));
    this.bitbucket = new BitbucketState(clock, bitbucket);
  }
}
