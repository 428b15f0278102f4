import type { Provider } from '@nestjs/common';
import { AccountLinkService } from './accounts/account-link.service.js';
import { ATLASSIAN_OPTIONS } from './atlassian.constants.js';
import { MODULE_OPTIONS_TOKEN } from './atlassian.module-definition.js';
import { AtlassianClock, SystemClock } from './clock/atlassian-clock.js';
import { TokenCipher } from './crypto/token-cipher.js';
import type { AtlassianModuleOptions } from './options/atlassian-module-options.interface.js';
import { normalizeOptions } from './options/normalize-options.js';
import type { NormalizedAtlassianOptions } from './options/normalized-options.interface.js';
import { BitbucketStrategy } from './strategies/bitbucket.strategy.js';

/** The providers `AtlassianModule` builds from its options rather than from a class alone. */
export const atlassianProviders: Provider[] = [
  {
    // Validated and defaulted once, at boot: every other provider reads this one.
    provide: ATLASSIAN_OPTIONS,
    inject: [MODULE_OPTIONS_TOKEN],
    useFactory: (options: AtlassianModuleOptions) => normalizeOptions(options),
  },
  { provide: AtlassianClock, useClass: SystemClock },
  {
    provide: TokenCipher,
    inject: [ATLASSIAN_OPTIONS],
    useFactory: (options: NormalizedAtlassianOptions) => new TokenCipher(options.encryptionKeys),
  },
  {
    // Bitbucket is optional: without its options there is no strategy to register.
    provide: BitbucketStrategy,
    inject: [ATLASSIAN_OPTIONS, AccountLinkService, AtlassianClock],
    useFactory: (
      options: NormalizedAtlassianOptions,
      accounts: AccountLinkService,
      clock: AtlassianClock,
    ) => (options.bitbucket ? new BitbucketStrategy(options, accounts, clock) : null),
  },
];
