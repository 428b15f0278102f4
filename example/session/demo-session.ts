import { Injectable } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { parse } from 'cookie';
import type { Request, Response } from 'express';
import type { AuthenticatedUser } from '../../src/index.js';
import type { DemoSettings } from '../demo-config.js';
import { signSessionToken, verifySessionToken } from './session-token.js';

/** Name of the demo's sign-in cookie. */
export const SESSION_COOKIE = 'nestjs_atlassian_demo_session';
const MAX_AGE_SECONDS = 7 * 24 * 3600;

/** The demo app's own "who is signed in" cookie: signed, httpOnly, SameSite=Lax; it holds the app user id only. */
@Injectable()
export class DemoSession {
  private readonly secret: string;
  private readonly secure: boolean;

  constructor(config: ConfigService<DemoSettings, true>) {
    this.secret = config.get('sessionSecret', { infer: true });
    this.secure = config.get('atlassian.callbackURL', { infer: true }).startsWith('https:');
  }

  /** The signed-in app user of this request, or `undefined`. */
  userIdOf(req: Request): string | undefined {
    const token = parse(req.headers.cookie ?? '')[SESSION_COOKIE];
    return token ? verifySessionToken(token, this.secret) : undefined;
  }

  /** Signs `userId` in. */
  start(res: Response, userId: string): void {
    res.cookie(SESSION_COOKIE, signSessionToken(userId, this.secret, MAX_AGE_SECONDS), {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
      maxAge: MAX_AGE_SECONDS * 1000,
    });
  }

  /** After a guard's callback: signs the account's app user in and goes back where the login asked. */
  completeSignIn(req: Request, res: Response): void {
    const user = req.user as AuthenticatedUser;
    this.start(res, user.userId);
    res.redirect(user.returnTo ?? '/');
  }

  /** Signs out. */
  end(res: Response): void {
    res.clearCookie(SESSION_COOKIE, {
      httpOnly: true,
      sameSite: 'lax',
      secure: this.secure,
      path: '/',
    });
  }
}
