import { atlassianProvider } from '../providers/atlassian.provider.js';
import { ProviderAuthGuard } from './provider-auth.guard.js';

/** `@UseGuards(AtlassianAuthGuard)` on the Atlassian login route and its callback (see `ProviderAuthGuard`). */
export class AtlassianAuthGuard extends ProviderAuthGuard(
  atlassianProvider.id,
  atlassianProvider.displayName,
) {}
