import type { EmulatorClock } from '../server/emulator-clock.js';
import type { EmulatorDirectory } from './emulator-directory.js';

/** Behaviour switches the routes read at request time. */
export interface EmulatorBehaviour {
  /** Skip the consent page. */
  autoApprove: boolean;
}

/**
 * What both authorization servers share: one clock, one set of people, one set of switches. Each server's
 * state carries these beside its own apps, consent pages, codes and tokens, which it never shares.
 */
export interface SharedState {
  /** The emulator clock. */
  readonly clock: EmulatorClock;
  /** The people who can consent, and who is signed in. */
  readonly directory: EmulatorDirectory;
  /** Behaviour switches, mutable while running (`setAutoApprove`). */
  readonly behaviour: EmulatorBehaviour;
}
