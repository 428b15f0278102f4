import type { DataSource, Repository } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { LinkedAccount, type AtlassianProfile } from '../../src/index.js';
import type { Lease } from '../../src/jobs/lease.js';
import { LeasedRows, type DueRows } from '../../src/jobs/leased-rows.js';
import { REFRESH_COLUMNS } from '../../src/tokens/token-refresher.js';
import { QueryCapture } from '../../bench/support/query-capture.js';
import { createTestDatabase } from '../support/databases.js';
import { openAccountsDatabase } from '../support/seed-accounts.js';
import { storedAccount } from '../support/stored-accounts.js';

const LEASE_MS = 60_000;

const profileOf = (accountId: string): AtlassianProfile => ({
  account_id: accountId,
  account_type: 'atlassian',
  email: `${accountId}@example.com`,
  name: 'Someone',
  picture: 'https://avatar.example.com/someone.png',
  account_status: 'active',
  nickname: 'someone',
});

/**
 * Leased rows on a real database. A batch claim returns what the job asks for, in the statement that
 * leases the rows: the scheduled refresh reads its few columns, not the access token ciphertext or the
 * profile (rows claimed ahead are held across GCs, so what they carry is promoted); a claim that names
 * no columns still reads every default and hidden one. The fenced write is plain SQL: it must store
 * exactly what TypeORM's query builder stores for the same values (dates, JSON, nulls, the version
 * bump), only while the lease holds.
 */
describe.each(['sqlite', 'postgres'] as const)('leased rows (%s)', (kind) => {
  let dataSource: DataSource;
  let accounts: Repository<LinkedAccount>;
  let leases: LeasedRows<LinkedAccount>;

  beforeAll(async () => {
    dataSource = await openAccountsDatabase((await createTestDatabase(kind)).typeorm);
    accounts = dataSource.getRepository(LinkedAccount);
    leases = new LeasedRows(
      accounts,
      { owner: 'refreshLeaseOwner', until: 'refreshLeaseExpiresAt' },
      ['accessTokenEncrypted', 'refreshTokenEncrypted'],
    );
  });
  afterAll(async () => {
    await dataSource?.destroy();
  });

  let counter = 0;
  async function leasedAccount(): Promise<{ id: string; lease: Lease }> {
    counter++;
    const { id } = await accounts.save(
      accounts.create({
        userId: `user-${counter}`,
        provider: 'atlassian',
        providerAccountId: `fenced-${counter}`,
        scopes: ['read:me'],
        accessTokenEncrypted: 'before',
        refreshTokenEncrypted: 'before',
        accessTokenExpiresAt: new Date('2026-01-01T00:00:00.000Z'),
        lastRefreshedAt: new Date('2026-01-01T00:00:00.000Z'),
        consentedAt: new Date('2026-01-01T00:00:00.000Z'),
      }),
    );
    const lease = await leases.claimOne(id, `"status" = :active`, { active: 'active' }, LEASE_MS);
    if (!lease) throw new Error('the new row could not be claimed');
    return { id, lease };
  }

  /** What a refresh, a refusal and a failure write, together: every kind of column the lifecycle uses. */
  const values = {
    accessTokenEncrypted: 'v2:key:after-access',
    refreshTokenEncrypted: null,
    accessTokenExpiresAt: new Date('2026-03-04T05:06:07.891Z'),
    scopes: ['read:me', 'offline_access'],
    lastRefreshedAt: new Date('2026-03-04T04:06:07.123Z'),
    refreshFailureCount: 3,
    nextRefreshAttemptAt: null,
    lastRefreshError: 'token endpoint answered 503',
    status: 'reauth_required' as const,
  };

  /** Every column but the row's identity and its update date (which the database sets). */
  const IDENTITY = ['id', 'userId', 'providerAccountId', 'createdAt', 'updatedAt'];
  const comparable = (row: LinkedAccount) =>
    Object.fromEntries(Object.entries(row).filter(([key]) => !IDENTITY.includes(key)));

  it('stores what the query builder stores, bumps the version and ends the lease', async () => {
    const plain = await leasedAccount();
    const reference = await leasedAccount();
    const before = await storedAccount(dataSource, plain.id);

    // The plain statement, not the builder.
    const builder = vi.spyOn(accounts, 'createQueryBuilder');
    expect(await leases.writeAndRelease(plain.id, plain.lease, values)).toBe(true);
    expect(builder).not.toHaveBeenCalled();
    builder.mockRestore();
    await accounts
      .createQueryBuilder()
      .update()
      .set({ ...values, refreshLeaseOwner: null, refreshLeaseExpiresAt: null })
      .where(`"id" = :id AND "refreshLeaseOwner" = :leaseId`, {
        id: reference.id,
        leaseId: reference.lease.id,
      })
      .execute();

    const written = await storedAccount(dataSource, plain.id);
    expect(comparable(written)).toEqual(comparable(await storedAccount(dataSource, reference.id)));
    expect(written).toMatchObject({
      ...values,
      refreshLeaseOwner: null,
      refreshLeaseExpiresAt: null,
    });
    expect(written.version).toBe(before.version + 1);
  });

  it('writes nothing once the lease was taken', async () => {
    const { id, lease } = await leasedAccount();
    const before = await storedAccount(dataSource, id);
    expect(await leases.writeAndRelease(id, { ...lease, id: 'another-lease' }, values)).toBe(false);
    expect(await storedAccount(dataSource, id)).toEqual(before);
    // Still held by its own lease: that write goes through.
    expect(await leases.writeAndRelease(id, lease, {})).toBe(true);
    expect(await storedAccount(dataSource, id)).toMatchObject({
      accessTokenEncrypted: 'before',
      refreshLeaseOwner: null,
      version: before.version + 1,
    });
  });

  it('groups writes sent together into a few statements, each row fenced by its own lease', async () => {
    const held: Array<{ id: string; lease: Lease }> = [];
    for (let index = 0; index < 20; index++) held.push(await leasedAccount());
    const takenFrom = new Set([3, 7, 11, 15, 19]);
    const valuesOf = (index: number) => ({
      accessTokenEncrypted: `v2:key:after-${index}`,
      accessTokenExpiresAt: new Date(Date.UTC(2026, 5, 1, 0, index, 0, index)),
      scopes: ['read:me', `scope-${index}`],
      refreshFailureCount: index,
    });
    const statements = vi.spyOn(dataSource, 'createQueryRunner');
    const written = await Promise.all(
      held.map(({ id, lease }, index) =>
        leases.writeAndRelease(
          id,
          takenFrom.has(index) ? { ...lease, id: 'another-lease' } : lease,
          valuesOf(index),
        ),
      ),
    );
    const statementCount = statements.mock.calls.length;
    statements.mockRestore();

    expect(written).toEqual(held.map((_, index) => !takenFrom.has(index)));
    // Two go alone at once, the other eighteen wait for one of them and go together.
    expect(statementCount).toBeLessThanOrEqual(4);
    for (const [index, { id, lease }] of held.entries()) {
      const row = await storedAccount(dataSource, id);
      if (takenFrom.has(index))
        expect(row).toMatchObject({ accessTokenEncrypted: 'before', refreshLeaseOwner: lease.id });
      else expect(row).toMatchObject({ ...valuesOf(index), refreshLeaseOwner: null });
    }
  });

  it('writes an SQL expression through the query builder, fenced the same way', async () => {
    const { id, lease } = await leasedAccount();
    const before = await storedAccount(dataSource, id);
    const increment = { refreshFailureCount: () => '"refreshFailureCount" + 2' };
    expect(await leases.writeAndRelease(id, { ...lease, id: 'another-lease' }, increment)).toBe(
      false,
    );
    expect(await leases.writeAndRelease(id, lease, increment)).toBe(true);
    expect(await storedAccount(dataSource, id)).toMatchObject({
      refreshFailureCount: before.refreshFailureCount + 2,
      refreshLeaseOwner: null,
    });
  });

  async function seed(group: string, count: number): Promise<string[]> {
    const ids: string[] = [];
    for (let index = 0; index < count; index++) {
      const { id } = await accounts.save(
        accounts.create({
          userId: `user-${group}-${index}`,
          provider: 'atlassian',
          providerAccountId: `${group}-${index}`,
          email: `${group}-${index}@example.com`,
          profile: profileOf(`${group}-${index}`),
          scopes: ['read:me', `scope-${index}`],
          accessTokenEncrypted: `access-${group}-${index}`,
          refreshTokenEncrypted: `refresh-${group}-${index}`,
          refreshFailureCount: index,
          accessTokenExpiresAt: new Date('2026-01-01T00:00:00.000Z'),
          consentedAt: new Date('2026-01-01T00:00:00.000Z'),
        }),
      );
      ids.push(id);
    }
    return ids;
  }

  const ofGroup =
    (group: string): DueRows<LinkedAccount> =>
    (due) =>
      due.where('due.providerAccountId LIKE :group', { group: `${group}-%` });

  it('reads the id and the named columns only, and leases exactly the rows it returns', async () => {
    const ids = await seed('narrow', 3);
    const { lease, rows } = await leases.claimBatch(
      ofGroup('narrow'),
      10,
      LEASE_MS,
      REFRESH_COLUMNS,
    );

    expect(rows.map((row) => row.id).sort()).toEqual([...ids].sort());
    for (const row of rows) {
      const index = ids.indexOf(row.id);
      expect(Object.keys(row).sort()).toEqual(['id', ...REFRESH_COLUMNS].sort());
      expect(row).toEqual({
        id: ids[index],
        userId: `user-narrow-${index}`,
        provider: 'atlassian',
        scopes: ['read:me', `scope-${index}`],
        refreshTokenEncrypted: `refresh-narrow-${index}`,
        refreshFailureCount: index,
      });
      expect((await storedAccount(dataSource, row.id)).refreshLeaseOwner).toBe(lease.id);
    }
    expect(await accounts.countBy({ refreshLeaseOwner: lease.id })).toBe(ids.length);
  });

  it('leases and reads its rows in one statement', async () => {
    const ids = await seed('single', 2);
    let claimed: string[] = [];
    const statements = await new QueryCapture().on(dataSource, async () => {
      const { rows } = await leases.claimBatch(ofGroup('single'), 10, LEASE_MS, REFRESH_COLUMNS);
      claimed = rows.map((row) => row.id);
    });
    expect(statements).toHaveLength(1);
    expect(claimed.sort()).toEqual([...ids].sort());
  });

  it('prepares a claim once and binds its limit and parameters at each claim, each under a lease of its own', async () => {
    const first = await seed('prepared-a', 3);
    const second = await seed('prepared-b', 2);
    const build = vi.fn<DueRows<LinkedAccount>>((due) =>
      due.where('due.providerAccountId LIKE :group').orderBy('due.providerAccountId', 'ASC'),
    );
    const statement = leases.prepareClaim(build, LEASE_MS, REFRESH_COLUMNS);

    const fromFirst = await leases.claim(statement, 2, { group: 'prepared-a-%' });
    const fromSecond = await leases.claim(statement, 10, { group: 'prepared-b-%' });
    const restOfFirst = await leases.claim(statement, 10, { group: 'prepared-a-%' });

    expect(build).toHaveBeenCalledTimes(1);
    expect(fromFirst.rows.map((row) => row.id)).toEqual(first.slice(0, 2));
    expect(fromSecond.rows.map((row) => row.id).sort()).toEqual([...second].sort());
    // The rows the first claim leased are not free: the same rule claims only the one left.
    expect(restOfFirst.rows.map((row) => row.id)).toEqual(first.slice(2));
    const leaseIds = [fromFirst, fromSecond, restOfFirst].map(({ lease }) => lease.id);
    expect(new Set(leaseIds).size).toBe(3);
    for (const { lease, rows } of [fromFirst, fromSecond, restOfFirst])
      expect(await accounts.countBy({ refreshLeaseOwner: lease.id })).toBe(rows.length);
  });

  it('reads every default and hidden column when it names none', async () => {
    const [id] = await seed('full', 1);
    const { rows } = await leases.claimBatch(ofGroup('full'), 10, LEASE_MS);

    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      id,
      email: 'full-0@example.com',
      profile: profileOf('full-0'),
      accessTokenEncrypted: 'access-full-0',
      refreshTokenEncrypted: 'refresh-full-0',
    });
  });
});
