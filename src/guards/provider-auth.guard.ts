import { Injectable, mixin, type ExecutionContext, type Type } from '@nestjs/common';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { traceSignIn } from '../telemetry/sign-in-telemetry.js';
import { resolveOAuthResult } from './oauth-auth-result.js';

/**
 * The login-and-callback guard of one provider: on the login route it redirects to the provider
 * (linking to the signed-in app user, if any; `?returnTo=/path` is remembered); on the callback route
 * it completes the sign-in, stores the link and sets `req.user` to an `AuthenticatedUser`. Failures
 * answer with a stable `code`.
 */
export function ProviderAuthGuard(strategy: string, providerName: string): Type<IAuthGuard> {
  @Injectable()
  class Guard extends AuthGuard(strategy) {
    override canActivate(context: ExecutionContext): Promise<boolean> {
      const signIn = () => super.canActivate(context) as Promise<boolean>;
      return traceSignIn(strategy, context.switchToHttp().getRequest(), signIn);
    }

    override handleRequest<TUser>(
      err: unknown,
      user: TUser | false,
      info: unknown,
      _context: ExecutionContext,
    ): TUser {
      return resolveOAuthResult(err, user, info, providerName);
    }
  }
  return mixin(Guard);
}
