import { bitbucketProvider } from '../providers/bitbucket.provider.js';
import { ProviderAuthGuard } from './provider-auth.guard.js';

/** `@UseGuards(BitbucketAuthGuard)` on the Bitbucket login route and its callback (see `ProviderAuthGuard`). */
export class BitbucketAuthGuard extends ProviderAuthGuard(
  bitbucketProvider.id,
  bitbucketProvider.displayName,
) {}
