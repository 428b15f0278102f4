import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { Request } from 'express';

/** The app user id the session middleware put on the request, or `undefined`. */
export function currentUserId(req: Request): string | undefined {
  const userId = (req as Request & { user?: { userId?: unknown } }).user?.userId;
  return typeof userId === 'string' ? userId : undefined;
}

/** Route parameter: the signed-in app user id (use with `SignedInGuard`). */
export const CurrentUserId = createParamDecorator((_data: unknown, context: ExecutionContext) =>
  currentUserId(context.switchToHttp().getRequest<Request>()),
);
