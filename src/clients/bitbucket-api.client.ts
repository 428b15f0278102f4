import { Injectable } from '@nestjs/common';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { TokenTarget } from '../tokens/token-target.js';
import { accountAuth, resolveAccount } from './account-auth.js';
import { LinkedAccountApi } from './linked-account-api.base.js';
import { ProductClient } from './product-client.js';

/**
 * Calls Bitbucket Cloud for a linked user: `forUser(userId).get('/2.0/repositories/{workspace}')`,
 * `paginateLinks` for its `next` paging. Same token service, retries and errors as `AtlassianApiClient`.
 */
@Injectable()
export class BitbucketApiClient extends LinkedAccountApi<ProductClient> {
  protected readonly provider = 'bitbucket';

  protected forTarget(target: TokenTarget): ProductClient {
    return new ProductClient(async () => {
      const settings = this.options.bitbucket;
      if (!settings)
        throw new AtlassianOptionsError(
          'bitbucket',
          'is missing: configure the Bitbucket OAuth consumer to call Bitbucket.',
        );
      const { account } = await resolveAccount(this.accounts, this.views, target, 'bitbucket');
      return {
        baseURL: settings.apiBaseURL,
        target: { product: 'bitbucket' },
        auth: accountAuth(this.tokens, settings.clientId, account.id, account.scopes),
      };
    }, this.executor);
  }
}
