import { AUTHORIZATION_TTL_SECONDS } from '../emulator-defaults.js';
import type { EmulatorClock } from '../server/emulator-clock.js';
import { mintId } from './emulator-credentials.js';

/** A validated authorize request waiting for the user's decision on the consent page. */
export interface ConsentRequest {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  codeChallenge?: string;
}

interface PendingConsent extends ConsentRequest {
  expiresAtMs: number;
}

/** Authorize requests shown on a consent page; each can be decided once, within ten minutes. */
export class PendingConsents {
  private readonly pending = new Map<string, PendingConsent>();

  constructor(private readonly clock: EmulatorClock) {}

  /** Store `request` and return the id the consent form carries. */
  open(request: ConsentRequest): string {
    const id = mintId();
    this.pending.set(id, {
      ...request,
      expiresAtMs: this.clock.nowMs() + AUTHORIZATION_TTL_SECONDS * 1000,
    });
    return id;
  }

  /** Remove and return the request, or undefined when unknown, already decided or expired. */
  take(id: string | undefined): ConsentRequest | undefined {
    if (id === undefined) return undefined;
    const request = this.pending.get(id);
    this.pending.delete(id);
    if (!request || this.clock.nowMs() >= request.expiresAtMs) return undefined;
    return request;
  }
}
