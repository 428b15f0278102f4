import { Inject, Injectable, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AccountLinkService } from '../accounts/account-link.service.js';
import { ATLASSIAN_OPTIONS, REQUIRED_ATLASSIAN_SCOPES } from '../atlassian.constants.js';
import { AtlassianErrorCode } from '../errors/atlassian.error.js';
import { AtlassianConsentRequiredError } from '../errors/consent-required.error.js';
import type { AppRequest } from '../http/app-request.interface.js';
import type { NormalizedAtlassianOptions } from '../options/normalized-options.interface.js';
import { pathAndQuery } from '../strategies/sign-in-request.js';

/**
 * Enforces `@RequireAtlassianScopes(...)`: the signed-in app user's active Atlassian account must hold the scopes.
 * @internal Applied by `@RequireAtlassianScopes()`.
 */
@Injectable()
export class AtlassianScopesGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accounts: AccountLinkService,
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const required =
      this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ATLASSIAN_SCOPES, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    const request = context.switchToHttp().getRequest<AppRequest>();
    const userId = await this.options.getCurrentUserId(request);
    const account = userId ? await this.accounts.findForUser(userId, 'atlassian') : null;
    if (!account || account.status !== 'active') {
      throw new AtlassianConsentRequiredError(
        AtlassianErrorCode.AccountRequired,
        account
          ? 'The Atlassian connection needs to be renewed: connect again.'
          : 'Connect an Atlassian account first.',
        required,
        this.consentUrl(required, request),
      );
    }
    const missing = required.filter((scope) => !account.scopes.includes(scope));
    if (missing.length > 0) {
      throw new AtlassianConsentRequiredError(
        AtlassianErrorCode.ScopesRequired,
        `This needs Atlassian scopes not granted yet: ${missing.join(' ')}. Connect again to grant them.`,
        missing,
        this.consentUrl(missing, request),
      );
    }
    return true;
  }

  private consentUrl(scopes: string[], request: AppRequest): string {
    const query = new URLSearchParams({ returnTo: pathAndQuery(request) });
    if (scopes.length > 0) query.set('scope', scopes.join(' '));
    return `${this.options.atlassian.loginPath}?${query}`;
  }
}
