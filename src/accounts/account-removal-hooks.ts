import { Injectable } from '@nestjs/common';

/** Work on an account that is about to lose its tokens or its row. */
export type AccountRemovalHook = (accountId: string) => Promise<void>;

/**
 * What must happen before an account is unlinked or its tokens forgotten, while its token still
 * works: e.g. its webhooks removed at the provider. The account services call it; features that keep
 * remote state for an account register here (this way round, since those features call the
 * providers through clients that already depend on the account services).
 * @internal
 */
@Injectable()
export class AccountRemovalHooks {
  private readonly hooks: AccountRemovalHook[] = [];

  register(hook: AccountRemovalHook): void {
    this.hooks.push(hook);
  }

  /** Runs every hook, in the order registered. */
  async beforeRemoval(accountId: string): Promise<void> {
    for (const hook of this.hooks) await hook(accountId);
  }
}
