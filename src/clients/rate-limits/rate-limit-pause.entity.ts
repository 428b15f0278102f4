import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An app-wide or site-wide pause that Jira or Confluence asked for (a quota 429), shared by every
 * instance on the database so that none keeps calling until the reset. One row per scope; a later
 * pause of the same scope only ever extends it.
 */
@Entity('atlassian_rate_limit_pauses')
export class RateLimitPause {
  /** e.g. `jira:app:{clientId}` or `jira:site:{clientId}:{cloudId}` (see `pause-scopes.ts`). */
  @PrimaryColumn({ type: 'varchar', length: 200 })
  scope!: string;

  /**
   * Until when, in ms since the epoch: an instant from the provider's headers, kept as a number so
   * that both drivers compare it alike whatever their time zone.
   */
  @Column({ type: 'bigint' })
  untilMs!: string;

  /** The `RateLimit-Reason` that asked for it. */
  @Column({ type: 'varchar', length: 100 })
  reason!: string;
}
