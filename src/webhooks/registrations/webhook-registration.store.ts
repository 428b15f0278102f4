import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';
import { InjectAtlassianRepository } from '../../accounts/atlassian-data-source.js';
import { LeasedRows } from '../../jobs/leased-rows.js';
import { WebhookRegistration } from './webhook-registration.entity.js';

/** What a new registration row holds; the rest takes the entity's defaults. */
export type NewWebhookRegistration = Pick<
  WebhookRegistration,
  | 'id'
  | 'provider'
  | 'linkedAccountId'
  | 'target'
  | 'remoteId'
  | 'events'
  | 'jqlFilter'
  | 'fieldIdsFilter'
  | 'secretEncrypted'
  | 'expiresAt'
  | 'lastRenewedAt'
>;

/**
 * The registration rows: plain reads and writes for the service, and the leases the renewal job
 * claims them under (the one leased-rows mechanism).
 * @internal
 */
@Injectable()
export class WebhookRegistrationStore {
  readonly leases: LeasedRows<WebhookRegistration>;

  constructor(
    @InjectAtlassianRepository(WebhookRegistration)
    private readonly rows: Repository<WebhookRegistration>,
  ) {
    this.leases = new LeasedRows(rows, { owner: 'leaseOwner', until: 'leaseExpiresAt' });
  }

  /** Active registrations of an account on one site or repository. */
  countActive(
    linkedAccountId: string,
    provider: LinkedAccountProvider,
    target: string,
  ): Promise<number> {
    return this.rows.countBy({ linkedAccountId, provider, target, status: 'active' });
  }

  async insert(row: NewWebhookRegistration): Promise<WebhookRegistration> {
    await this.rows.insert({ ...row, status: 'active' });
    return this.rows.findOneByOrFail({ id: row.id });
  }

  findById(id: string): Promise<WebhookRegistration | null> {
    return this.rows.findOneBy({ id });
  }

  findForAccount(linkedAccountId: string): Promise<WebhookRegistration[]> {
    return this.rows.find({
      where: { linkedAccountId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  async delete(id: string): Promise<void> {
    await this.rows.delete({ id });
  }
}
