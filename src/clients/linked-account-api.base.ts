import { Inject, Injectable } from '@nestjs/common';
import { AccountLinkService } from '../accounts/account-link.service.js';
import { AccountViews } from '../accounts/account-views.js';
import type { LinkedAccountProvider } from '../accounts/entities/linked-account.entity.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import type { TokenTarget } from '../tokens/token-target.js';
import { AtlassianClock } from '../clock/atlassian-clock.js';
import { ApiRequestExecutor } from './api-request.executor.js';
import type { RateLimitBudget } from './rate-limits/rate-limit-budgets.js';

/** What the provider API clients share: the account they call for (by app user or by id) and one executor. */
@Injectable()
export abstract class LinkedAccountApi<TApi> {
  protected abstract readonly provider: LinkedAccountProvider;

  /** @internal Nest builds it; the parameters are internal. */
  constructor(
    @Inject(ATLASSIAN_OPTIONS) protected readonly options: NormalizedAtlassianOptions,
    protected readonly tokens: AtlassianTokenService,
    protected readonly accounts: AccountLinkService,
    protected readonly views: AccountViews,
    protected readonly executor: ApiRequestExecutor,
    protected readonly clock: AtlassianClock,
  ) {}

  /** The app user's account of this provider (the first linked, when several). */
  forUser(userId: string): TApi {
    return this.forTarget({ userId, provider: this.provider });
  }

  /** A linked account of this provider by its id. */
  forAccount(accountId: string): TApi {
    return this.forTarget({ accountId });
  }

  /**
   * What the latest answers of this provider's products said about their rate-limit budgets (the
   * remaining points, the reset, near-limit), per product, site and policy, in this process.
   */
  rateLimitBudgets(): RateLimitBudget[] {
    const products = this.provider === 'bitbucket' ? ['bitbucket'] : ['jira', 'confluence'];
    return this.executor.budgetsSeen().filter((budget) => products.includes(budget.product));
  }

  protected abstract forTarget(target: TokenTarget): TApi;
}
