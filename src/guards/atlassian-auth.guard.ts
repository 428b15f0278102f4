import { Injectable, type ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';
import type { AuthenticatedUser } from '../accounts/linked-account.view.js';
import { atlassianProvider } from '../providers/atlassian.provider.js';
import { resolveOAuthResult } from './oauth-auth-result.js';

/**
 * Put it on both routes: on the login route it redirects to Atlassian (linking to the signed-in app
 * user, if any; `?returnTo=/path` is remembered); on the callback route it completes the sign-in,
 * stores the link and sets `req.user` to an `AuthenticatedUser`. Failures answer with a stable `code`.
 */
@Injectable()
export class AtlassianAuthGuard extends AuthGuard(atlassianProvider.id) {
  override handleRequest<TUser = AuthenticatedUser>(err: unknown, user: TUser | false, info: unknown, _context: ExecutionContext): TUser {
    return resolveOAuthResult(err, user, info, atlassianProvider.displayName);
  }
}
