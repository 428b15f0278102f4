import { Controller, Post } from '@nestjs/common';
import {
  BitbucketWebhookEndpoint,
  JiraWebhookEndpoint,
  VerifiedWebhookDelivery,
  type BitbucketWebhookEvent,
  type JiraWebhookEvent,
} from '../../src/index.js';
import { DemoWebhookEvents } from './demo-webhook-events.js';

/**
 * Where Jira and Bitbucket deliver (`webhooks.jiraUrl`, `webhooks.bitbucketUrl`): the library's
 * decorators verify each delivery and run the route once per delivery id; the demo only remembers it.
 */
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly events: DemoWebhookEvents) {}

  @Post('jira')
  @JiraWebhookEndpoint()
  jira(@VerifiedWebhookDelivery() delivery: JiraWebhookEvent): void {
    this.events.record(delivery);
  }

  @Post('bitbucket')
  @BitbucketWebhookEndpoint()
  bitbucket(@VerifiedWebhookDelivery() delivery: BitbucketWebhookEvent): void {
    this.events.record(delivery);
  }
}
