import { Injectable } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { InjectAtlassianRepository } from '../../accounts/atlassian-data-source.js';
import type { SiteView } from '../../accounts/linked-account.view.js';
import { LeasedRows } from '../../jobs/leased-rows.js';
import type { Lease } from '../../jobs/lease.js';
import { guarded } from '../../tokens/account-token.store.js';
import { ServiceAccountToken } from './service-account-token.entity.js';

/** What one token request stores. */
export interface FetchedServiceAccountToken {
  clientId: string;
  accessTokenEncrypted: string;
  accessTokenExpiresAt: Date | null;
  fetchedAt: Date;
  scopes: string[];
  sites: SiteView[];
}

/**
 * The database side of service-account tokens: a row per service account, claimed with a lease
 * (the one mechanism of `LeasedRows`) only while it is still the version its caller saw, so that
 * instances that found it stale at the same time ask the token endpoint once between them.
 */
@Injectable()
export class ServiceAccountTokenStore {
  private readonly leases: LeasedRows<ServiceAccountToken>;

  constructor(
    @InjectAtlassianRepository(ServiceAccountToken)
    private readonly tokens: Repository<ServiceAccountToken>,
  ) {
    this.leases = new LeasedRows(tokens, { owner: 'leaseOwner', until: 'leaseExpiresAt' }, [
      'accessTokenEncrypted',
    ]);
  }

  /** The service account's row with its ciphertext, created empty on first use. */
  load(name: string, clientId: string): Promise<ServiceAccountToken> {
    return guarded('reading a service-account token', async () => {
      const row = await this.find(name);
      if (row) return row;
      // Every instance may get here at once: the first insert wins, the others change nothing.
      await this.tokens
        .createQueryBuilder()
        .insert()
        .values({ id: name, clientId, scopes: [], sites: [] })
        .orIgnore()
        .execute();
      return (await this.find(name))!;
    });
  }

  /** The right to ask for a token, while the row is still the version `seen` and nobody holds it. */
  claim(seen: ServiceAccountToken, leaseMs: number): Promise<Lease | null> {
    return guarded('claiming a service-account token', () =>
      this.leases.claimOne(seen.id, `"version" = :version`, { version: seen.version }, leaseMs),
    );
  }

  /** Stores the new token and ends the lease; false when the lease was lost meanwhile. */
  save(name: string, lease: Lease, token: FetchedServiceAccountToken): Promise<boolean> {
    return guarded('storing a service-account token', () =>
      this.leases.writeAndRelease(name, lease, token),
    );
  }

  /** Ends the lease and stores nothing (the token request failed). */
  release(name: string, lease: Lease): Promise<boolean> {
    return guarded('ending a service-account lease', () =>
      this.leases.writeAndRelease(name, lease, {}),
    );
  }

  private find(name: string): Promise<ServiceAccountToken | null> {
    return this.tokens
      .createQueryBuilder('token')
      .addSelect('token.accessTokenEncrypted')
      .where('token.id = :name', { name })
      .getOne();
  }
}
