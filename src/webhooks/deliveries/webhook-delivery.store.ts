import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Repository } from 'typeorm';
import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';
import { InjectAtlassianRepository } from '../../accounts/atlassian-data-source.js';
import { ATLASSIAN_OPTIONS } from '../../atlassian.constants.js';
import { databaseClock, type DatabaseClock } from '../../jobs/database-clock.js';
import { newLease, type Lease } from '../../jobs/lease.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { WebhookDeliveryRecord } from './webhook-delivery.entity.js';

/**
 * How long a claim on a delivery lasts, by the database's clock. Longer than the providers wait for an
 * answer (Jira and Bitbucket give up after seconds), so a slow handler is not joined by a retry; short
 * enough that after a crash the provider's next retry finds the claim lapsed and takes it.
 */
export const DELIVERY_CLAIM_LEASE_MS = 60_000;

/**
 * Rows past `forgetAfter` are deleted at most this often per instance, after a delivery is recorded:
 * one indexed DELETE now and then, with no job to schedule, and a table that stays as small as the
 * retention allows on every instance that receives webhooks.
 */
const PRUNE_INTERVAL_MS = 10 * 60_000;

/** What claiming a delivery id found: the claim, a delivery already handled, or one being handled elsewhere. */
export type DeliveryClaim =
  { outcome: 'claimed'; lease: Lease } | { outcome: 'handled' } | { outcome: 'in_progress' };

/** The key of a delivery: the provider and its delivery id. */
export interface DeliveryKey {
  provider: LinkedAccountProvider;
  deliveryId: string;
}

/**
 * Delivery ids in the database, claimed atomically so that the same delivery is handled once across
 * retries and instances: the first INSERT of the key wins; a lapsed claim (its handler crashed) or a
 * released one (its handler failed) is taken over by one fenced UPDATE.
 * @internal
 */
@Injectable()
export class WebhookDeliveryStore {
  private readonly logger = new Logger('WebhookDeliveryStore');
  private readonly clock: DatabaseClock;
  private lastPrunedAt = Number.NEGATIVE_INFINITY;

  constructor(
    @InjectAtlassianRepository(WebhookDeliveryRecord)
    private readonly deliveries: Repository<WebhookDeliveryRecord>,
    @Inject(ATLASSIAN_OPTIONS) private readonly options: NormalizedAtlassianOptions,
  ) {
    this.clock = databaseClock(deliveries.manager.connection);
  }

  /** Claims `key` for this instance, or says why not. Throws when the database does not answer. */
  async claim(key: DeliveryKey, event: string): Promise<DeliveryClaim> {
    const lease = newLease(DELIVERY_CLAIM_LEASE_MS);
    await this.deliveries
      .createQueryBuilder()
      .insert()
      .into(WebhookDeliveryRecord)
      .values({
        ...key,
        event: event.slice(0, 128),
        status: 'handling',
        leaseOwner: lease.id,
        leaseExpiresAt: () => this.clock.after(lease.durationMs),
        forgetAfter: () => this.clock.after(this.options.webhooks.deliveryRetentionMs),
        attempts: 1,
      })
      .orIgnore()
      .updateEntity(false)
      .execute();
    const row = await this.deliveries.findOneBy(key);
    if (row?.leaseOwner === lease.id) return { outcome: 'claimed', lease };
    if (row?.status === 'handled') return { outcome: 'handled' };
    const taken = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        leaseOwner: lease.id,
        leaseExpiresAt: () => this.clock.after(lease.durationMs),
        attempts: () => `${this.column('attempts')} + 1`,
      })
      .where(key)
      .andWhere(`${this.column('status')} = 'handling'`)
      .andWhere(this.leaseFree())
      .execute();
    return taken.affected === 1 ? { outcome: 'claimed', lease } : { outcome: 'in_progress' };
  }

  /** Records the delivery handled, while `lease` still holds it; false when the claim was lost meanwhile. */
  async complete(key: DeliveryKey, lease: Lease): Promise<boolean> {
    const result = await this.deliveries
      .createQueryBuilder()
      .update()
      .set({
        status: 'handled',
        handledAt: () => this.clock.now,
        leaseOwner: null,
        leaseExpiresAt: null,
      })
      .where({ ...key, leaseOwner: lease.id })
      .execute();
    return result.affected === 1;
  }

  /** Gives the claim up (a handler failed), so that the provider's retry takes it at once. */
  async release(key: DeliveryKey, lease: Lease): Promise<void> {
    try {
      await this.deliveries
        .createQueryBuilder()
        .update()
        .set({ leaseOwner: null, leaseExpiresAt: null })
        .where({ ...key, leaseOwner: lease.id })
        .execute();
    } catch (err) {
      // The claim then lapses after its lease instead: the retry after that is handled.
      this.logger.warn(
        `Could not release the claim on ${key.provider} delivery ${key.deliveryId}: ${(err as Error).message}`,
      );
    }
  }

  /** Deletes the delivery ids past their retention, at most every few minutes; never fails the caller. */
  async pruneIfDue(): Promise<void> {
    if (performance.now() - this.lastPrunedAt < PRUNE_INTERVAL_MS) return;
    this.lastPrunedAt = performance.now();
    try {
      await this.deliveries
        .createQueryBuilder()
        .delete()
        .where(`${this.column('forgetAfter')} <= ${this.clock.now}`)
        .andWhere(this.leaseFree())
        .execute();
    } catch (err) {
      this.logger.warn(`Could not prune old webhook delivery ids: ${(err as Error).message}`);
    }
  }

  private leaseFree(): string {
    const until = this.column('leaseExpiresAt');
    return `(${until} IS NULL OR ${until} <= ${this.clock.now})`;
  }

  private column(name: keyof WebhookDeliveryRecord): string {
    return this.deliveries.manager.connection.driver.escape(name);
  }
}
