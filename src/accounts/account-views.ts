import { Inject, Injectable } from '@nestjs/common';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import type { LinkedAccountView } from './linked-account.view.js';

/**
 * Account views (with their sites) that the API clients read for every new client, kept in memory for
 * `tokens.cacheTtlMs` like the tokens themselves: a client made per request then costs a map lookup,
 * not a query with a join. This process's own writes (sign-in, unlink, a re-sync of the sites) forget
 * the account at once; another instance's writes are seen within the TTL, and a site missing from a
 * cached view is looked up again before a call fails for it.
 */
@Injectable()
export class AccountViews {
  private readonly entries = new Map<string, { view: LinkedAccountView; untilMs: number }>();

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly clock: AtlassianClock,
  ) {}

  /**
   * The view under `key`: from memory while it is fresh (unless `reload`), else from `load`, which is
   * then kept (a missing account is not).
   */
  async get(
    key: string,
    load: () => Promise<LinkedAccountView | null>,
    reload = false,
  ): Promise<{ view: LinkedAccountView | null; cached: boolean }> {
    const nowMs = this.clock.now().getTime();
    const entry = this.entries.get(key);
    if (!reload && entry && entry.untilMs > nowMs) return { view: entry.view, cached: true };
    const view = await load();
    const ttlMs = this.options.tokens.cacheTtlMs;
    if (view && ttlMs > 0) {
      if (this.entries.size >= MAX_ENTRIES) this.dropExpired(nowMs);
      this.entries.set(key, { view, untilMs: nowMs + ttlMs });
    } else {
      this.entries.delete(key);
    }
    return { view, cached: false };
  }

  /** Forgets every view of an account (it changed in this process). */
  forget(accountId: string): void {
    for (const [key, entry] of this.entries)
      if (entry.view.id === accountId) this.entries.delete(key);
  }

  private dropExpired(nowMs: number): void {
    for (const [key, entry] of this.entries) if (entry.untilMs <= nowMs) this.entries.delete(key);
    // Still full of live entries: start over rather than grow without bound.
    if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
  }
}

/** Bound on the views kept: a few MB at most. */
const MAX_ENTRIES = 10_000;
