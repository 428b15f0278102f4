import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';
import type { Request } from 'express';
import { currentUserId } from './current-user-id.js';

/** Answers 401 JSON unless the demo's sign-in cookie is valid. */
@Injectable()
export class SignedInGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    if (!currentUserId(context.switchToHttp().getRequest<Request>())) {
      throw new UnauthorizedException(
        'Not signed in: open /auth/atlassian to sign in with Atlassian.',
      );
    }
    return true;
  }
}
