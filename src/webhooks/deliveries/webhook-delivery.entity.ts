import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';
import type { LinkedAccountProvider } from '../../accounts/entities/linked-account.entity.js';

/** `handling`: claimed by the instance whose lease it holds; `handled`: its handlers succeeded. */
export type WebhookDeliveryStatus = 'handling' | 'handled';

/**
 * One delivery id seen on a webhook route, so that a retried or doubled delivery is handled once:
 * the primary key (provider + the provider's delivery id) is the claim, taken by one INSERT. Only ids
 * and times are kept, never the body.
 */
@Entity('atlassian_webhook_deliveries')
@Index('IDX_atlassian_webhook_deliveries_forget_after', ['forgetAfter'])
export class WebhookDeliveryRecord {
  @PrimaryColumn({ type: 'varchar', length: 32 })
  provider!: LinkedAccountProvider;

  /** Jira's `X-Atlassian-Webhook-Identifier`, Bitbucket's `X-Request-UUID`: the same on every retry. */
  @PrimaryColumn({ type: 'varchar', length: 128 })
  deliveryId!: string;

  /** The delivery's event (`jira:issue_updated`, `repo:push`), for whoever reads the table. */
  @Column({ type: 'varchar', length: 128 })
  event!: string;

  @Column({ type: 'varchar', length: 32 })
  status!: WebhookDeliveryStatus;

  /** The lease id of the instance handling it now, or null. */
  @Column({ type: 'varchar', length: 64, nullable: true })
  leaseOwner!: string | null;

  /** When that lease lapses, by the database's clock: a crashed handler's claim is taken over after it. */
  @Column({ type: Date, nullable: true })
  leaseExpiresAt!: Date | null;

  /** How many times it was claimed: 1, plus one per retry after a failed or crashed handler. */
  @Column({ type: 'integer', default: 1 })
  attempts!: number;

  /** When its handlers succeeded. */
  @Column({ type: Date, nullable: true })
  handledAt!: Date | null;

  /** When the row may be pruned (first seen + `webhooks.deliveryRetentionMs`, by the database's clock). */
  @Column({ type: Date })
  forgetAfter!: Date;

  @CreateDateColumn()
  receivedAt!: Date;
}
