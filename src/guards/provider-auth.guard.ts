import { Inject, Injectable, mixin, type ExecutionContext, type Type } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { AuthGuard, type IAuthGuard } from '@nestjs/passport';
import { bindSignInResponse, SignInResponse } from '../http/sign-in-response.js';
import { traceSignIn } from '../telemetry/sign-in-telemetry.js';
import { resolveOAuthResult } from './oauth-auth-result.js';

/**
 * The login-and-callback guard of one provider: on the login route it redirects to the provider
 * (linking to the signed-in app user, if any; `?returnTo=/path` is remembered); on the callback route
 * it completes the sign-in, stores the link and sets `req.user` to an `AuthenticatedUser`. Failures
 * answer with a stable `code`. Works on Express and Fastify alike.
 */
export function ProviderAuthGuard(strategy: string, providerName: string): Type<IAuthGuard> {
  @Injectable()
  class Guard extends AuthGuard(strategy) {
    @Inject(HttpAdapterHost) private readonly adapterHost!: HttpAdapterHost;

    override canActivate(context: ExecutionContext): Promise<boolean> {
      const http = context.switchToHttp();
      const request = http.getRequest();
      bindSignInResponse(
        request,
        new SignInResponse(this.adapterHost.httpAdapter, http.getResponse()),
      );
      const signIn = () => super.canActivate(context) as Promise<boolean>;
      return traceSignIn(strategy, request, signIn);
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
