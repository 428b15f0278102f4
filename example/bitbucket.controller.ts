import { Controller, Get, Req, Res, UseGuards } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import type { Request, Response } from 'express';
import { BitbucketApiClient, BitbucketAuthGuard } from '../src/index.js';
import { listRepositories, type RepositorySummary } from './bitbucket-repositories.js';
import type { DemoSettings } from './demo-config.js';
import { CurrentUserId } from './session/current-user-id.js';
import { DemoSession } from './session/demo-session.js';
import { SignedInGuard } from './session/signed-in.guard.js';

/** Connect Bitbucket (the library's guard does the OAuth work) and list the user's repositories. Registered only when Bitbucket is configured. */
@Controller()
export class BitbucketController {
  private readonly emulator: boolean;

  constructor(
    private readonly session: DemoSession,
    private readonly bitbucket: BitbucketApiClient,
    config: ConfigService<DemoSettings, true>,
  ) {
    this.emulator = config.get('bitbucket', { infer: true })?.emulator ?? false;
  }

  /** Redirects to Bitbucket; a signed-in user links the Bitbucket account to themselves. */
  @Get('auth/bitbucket')
  @UseGuards(BitbucketAuthGuard)
  login(): void {}

  /**
   * The account is stored by now. Without a demo session, a Bitbucket account whose Atlassian account
   * is already linked signs in as that account's app user (the library matches the account id).
   */
  @Get('auth/bitbucket/callback')
  @UseGuards(BitbucketAuthGuard)
  callback(@Req() req: Request, @Res() res: Response): void {
    this.session.completeSignIn(req, res);
  }

  /** The signed-in user's repositories; `404 account_not_linked` before Bitbucket is connected. */
  @Get('api/bitbucket/repositories')
  @UseGuards(SignedInGuard)
  repositories(@CurrentUserId() userId: string): Promise<RepositorySummary[]> {
    return listRepositories(this.bitbucket.forUser(userId), this.emulator);
  }
}
