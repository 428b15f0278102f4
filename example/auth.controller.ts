import { Controller, Get, Post, Req, Res, UseGuards } from '@nestjs/common';
import type { Request, Response } from 'express';
import { AtlassianAuthGuard, type AuthenticatedUser } from '../src/index.js';
import { DemoSession } from './session/demo-session.js';
import { DemoWebhookRegistrations } from './webhooks/demo-webhook-registrations.js';

/** Sign-in with Atlassian (the library's guard does the OAuth work) and sign-out. */
@Controller()
export class AuthController {
  constructor(
    private readonly session: DemoSession,
    private readonly webhooks: DemoWebhookRegistrations,
  ) {}

  /** Redirects to Atlassian; a signed-in user links another account to themselves. */
  @Get('auth/atlassian')
  @UseGuards(AtlassianAuthGuard)
  login(): void {}

  /**
   * The account is stored by now: register Jira webhooks for its sites (scopes permitting; a failure
   * is shown on the page, never blocks the sign-in), sign its app user in to the demo and go back.
   */
  @Get('auth/atlassian/callback')
  @UseGuards(AtlassianAuthGuard)
  async callback(@Req() req: Request, @Res() res: Response): Promise<void> {
    await this.webhooks.ensureFor((req.user as AuthenticatedUser).account);
    this.session.completeSignIn(req, res);
  }

  /** Signs out of the demo (the linked accounts stay linked). */
  @Post('logout')
  logout(@Res() res: Response): void {
    this.session.end(res);
    res.redirect(303, '/');
  }
}
