import { Controller, Get, Post, Query } from '@nestjs/common';
import { createHash } from 'node:crypto';
import {
  AtlassianApiClient,
  AtlassianTokenService,
  TokenRefreshScheduler,
  type RefreshSweepResult,
} from 'nestjs-atlassian';
import { RefreshEventsListener } from './refresh-events.listener.js';

/** The calls the test makes for a signed-in user (`?userId=`: this app has no session of its own). */
@Controller('api')
export class ApiController {
  constructor(
    private readonly tokens: AtlassianTokenService,
    private readonly atlassian: AtlassianApiClient,
    private readonly scheduler: TokenRefreshScheduler,
    private readonly events: RefreshEventsListener,
  ) {}

  /** A token for the user, shown only as its SHA-256 (tokens never leave the app). */
  @Get('token')
  async token(@Query('userId') userId: string): Promise<{ sha256: string }> {
    const token = await this.tokens.getAccessToken({ userId, provider: 'atlassian' });
    return { sha256: createHash('sha256').update(token).digest('hex') };
  }

  @Get('jira/myself')
  myself(
    @Query('userId') userId: string,
    @Query('cloudId') cloudId: string,
  ): Promise<{ accountId: string }> {
    return this.atlassian.forUser(userId).jira(cloudId).get('/rest/api/3/myself');
  }

  @Get('refresh-events')
  refreshEvents(): { refreshedAccountIds: string[] } {
    return { refreshedAccountIds: this.events.refreshedAccountIds };
  }

  @Post('refresh-sweep')
  refreshSweep(): Promise<RefreshSweepResult> {
    return this.scheduler.runOnce();
  }
}
