import { Injectable } from '@nestjs/common';
import { OnEvent } from '@nestjs/event-emitter';
import { AtlassianEvents, type TokenRefreshedEvent } from 'nestjs-atlassian';

/** The accounts whose refreshes this app heard of, through @nestjs/event-emitter. */
@Injectable()
export class RefreshEventsListener {
  readonly refreshedAccountIds: string[] = [];

  @OnEvent(AtlassianEvents.TokenRefreshed)
  onRefreshed(event: TokenRefreshedEvent): void {
    this.refreshedAccountIds.push(event.accountId);
  }
}
