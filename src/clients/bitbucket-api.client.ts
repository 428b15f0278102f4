import { Inject, Injectable } from '@nestjs/common';
import { AccountLinkService } from '../accounts/account-link.service.js';
import { ATLASSIAN_OPTIONS } from '../atlassian.constants.js';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { AtlassianTokenService } from '../tokens/atlassian-token.service.js';
import type { TokenTarget } from '../tokens/token-target.js';
import { accountAuth, resolveAccount } from './account-auth.js';
import { ApiRequestExecutor } from './api-request.executor.js';
import { ProductClient } from './product-client.js';

/**
 * Calls Bitbucket Cloud for a linked user: `forUser(userId).get('/2.0/repositories/{workspace}')`,
 * `paginateLinks` for its `next` paging. Same token service, retries and errors as `AtlassianApiClient`.
 */
@Injectable()
export class BitbucketApiClient {
  private readonly executor: ApiRequestExecutor;

  constructor(
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
    private readonly tokens: AtlassianTokenService,
    private readonly accounts: AccountLinkService,
  ) {
    this.executor = new ApiRequestExecutor(options);
  }

  /** The app user's Bitbucket account. */
  forUser(userId: string): ProductClient {
    return this.client({ userId, provider: 'bitbucket' });
  }

  /** A linked Bitbucket account by its id. */
  forAccount(accountId: string): ProductClient {
    return this.client({ accountId });
  }

  private client(target: TokenTarget): ProductClient {
    return new ProductClient(async () => {
      const settings = this.options.bitbucket;
      if (!settings) throw new AtlassianOptionsError('bitbucket', 'is missing: configure the Bitbucket OAuth consumer to call Bitbucket.');
      const account = await resolveAccount(this.accounts, target, 'bitbucket');
      return { baseURL: settings.apiBaseURL, target: { product: 'bitbucket' }, auth: accountAuth(this.tokens, account.id, account.scopes) };
    }, this.executor);
  }
}
