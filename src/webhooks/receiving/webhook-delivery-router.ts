import { Injectable, Logger } from '@nestjs/common';
import { In, type Repository } from 'typeorm';
import { InjectAtlassianRepository } from '../../accounts/atlassian-data-source.js';
import { AtlassianSite } from '../../accounts/entities/atlassian-site.entity.js';
import { LinkedAccount } from '../../accounts/entities/linked-account.entity.js';
import { WebhookRegistration } from '../registrations/webhook-registration.entity.js';
import type { VerifiedDelivery } from './verified-delivery.js';
import type {
  BitbucketWebhookEvent,
  JiraWebhookEvent,
  JiraWebhookPayload,
  WebhookAccount,
} from './webhook-events.js';

/** Objects of a Jira payload whose `self` URL names the site the event happened on. */
const SITE_NAMING_OBJECTS = ['issue', 'comment', 'worklog', 'sprint', 'version', 'project', 'user'];

/**
 * Traces a verified delivery to the registrations it is for, and so to linked accounts, users and
 * the site (Jira) or repository (Bitbucket).
 * @internal
 */
@Injectable()
export class WebhookDeliveryRouter {
  private readonly logger = new Logger('WebhookDeliveryRouter');

  constructor(
    @InjectAtlassianRepository(WebhookRegistration)
    private readonly registrations: Repository<WebhookRegistration>,
    @InjectAtlassianRepository(LinkedAccount)
    private readonly accounts: Repository<LinkedAccount>,
    @InjectAtlassianRepository(AtlassianSite)
    private readonly sites: Repository<AtlassianSite>,
  ) {}

  /** The Bitbucket hook `X-Hook-UUID` names, with its encrypted secret; null when unknown. */
  findBitbucketHook(hookId: string): Promise<WebhookRegistration | null> {
    const bare = hookId.replace(/^\{(.*)\}$/, '$1');
    return this.registrations
      .createQueryBuilder('hook')
      .addSelect('hook.secretEncrypted')
      .where({ provider: 'bitbucket', remoteId: In([`{${bare}}`, bare]) })
      .getOne();
  }

  /**
   * Jira names the registrations it matched (`matchedWebhookIds`). Their ids count per site, so the
   * same id can be a registration on two sites: then the site whose URL the payload's `self` links
   * to decides. A delivery no registration (or no single site) accounts for gets no account.
   */
  async routeJira(delivery: VerifiedDelivery): Promise<JiraWebhookEvent> {
    const payload = delivery.payload as JiraWebhookPayload;
    const ids = (Array.isArray(payload.matchedWebhookIds) ? payload.matchedWebhookIds : [])
      .filter((id) => typeof id === 'number' || typeof id === 'string')
      .map(String);
    let matched =
      ids.length === 0
        ? []
        : await this.registrations.findBy({ provider: 'atlassian', remoteId: In(ids) });
    if (new Set(matched.map((row) => row.target)).size > 1) {
      matched = await this.onSiteOfPayload(matched, payload);
      if (new Set(matched.map((row) => row.target)).size !== 1) {
        this.logger.warn(
          `Jira delivery ${delivery.deliveryId} matches registrations on several sites and its payload names none of them: published without an account.`,
        );
        matched = [];
      }
    }
    return {
      ...(await this.base(delivery, matched)),
      provider: 'atlassian',
      cloudId: matched[0]?.target ?? null,
      payload,
    };
  }

  /** A Bitbucket delivery belongs to the hook it was verified with. */
  async routeBitbucket(delivery: VerifiedDelivery): Promise<BitbucketWebhookEvent> {
    const hook = delivery.registration;
    const repository = (delivery.payload.repository as { full_name?: unknown } | undefined)
      ?.full_name;
    return {
      ...(await this.base(delivery, hook ? [hook] : [])),
      provider: 'bitbucket',
      repository:
        typeof repository === 'string'
          ? repository
          : hook?.target.includes('/')
            ? hook.target
            : null,
      payload: delivery.payload,
    };
  }

  private async base(delivery: VerifiedDelivery, matched: WebhookRegistration[]) {
    const accountIds = [...new Set(matched.map((row) => row.linkedAccountId))];
    const owners =
      accountIds.length === 0 ? [] : await this.accounts.findBy({ id: In(accountIds) });
    const accounts: WebhookAccount[] = owners.map((account) => ({
      linkedAccountId: account.id,
      userId: account.userId,
    }));
    return {
      deliveryId: delivery.deliveryId,
      event: delivery.event,
      retryCount: delivery.retryCount,
      registrationIds: matched.map((row) => row.id),
      linkedAccountId: accounts.length === 1 ? accounts[0].linkedAccountId : null,
      userId: accounts.length === 1 ? accounts[0].userId : null,
      accounts,
    };
  }

  private async onSiteOfPayload(
    matched: WebhookRegistration[],
    payload: JiraWebhookPayload,
  ): Promise<WebhookRegistration[]> {
    const host = siteHostOf(payload);
    if (!host) return [];
    const sites = await this.sites.findBy({
      linkedAccountId: In([...new Set(matched.map((row) => row.linkedAccountId))]),
      cloudId: In([...new Set(matched.map((row) => row.target))]),
    });
    const onHost = new Set(
      sites
        .filter((site) => hostOf(site.url) === host)
        .map((site) => `${site.linkedAccountId} ${site.cloudId}`),
    );
    return matched.filter((row) => onHost.has(`${row.linkedAccountId} ${row.target}`));
  }
}

function siteHostOf(payload: JiraWebhookPayload): string | undefined {
  for (const name of SITE_NAMING_OBJECTS) {
    const self = (payload[name] as { self?: unknown } | undefined)?.self;
    if (typeof self === 'string') return hostOf(self);
  }
  return undefined;
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return undefined;
  }
}
