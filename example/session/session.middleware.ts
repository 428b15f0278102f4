import { Injectable, type NestMiddleware } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { DemoSession } from './demo-session.js';

/**
 * Sets `req.user = { userId }` for a signed-in visitor. The library's default `getCurrentUserId` reads
 * exactly that, so a signed-in user who connects Atlassian again links the account to themselves.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  constructor(private readonly session: DemoSession) {}

  use(req: Request, _res: Response, next: NextFunction): void {
    const userId = this.session.userIdOf(req);
    if (userId) (req as Request & { user?: unknown }).user = { userId };
    next();
  }
}
