import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianEvents, LinkedAccount } from '../../src/index.js';
import { ProfileRefresher } from '../../src/privacy/profile-refresher.js';
import {
  AtlassianEmulator,
  EMULATOR_ACTIVE_TEST_ACCOUNT_ID,
  EMULATOR_CLOSED_TEST_ACCOUNT_ID,
} from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import {
  everyAtlassianRow,
  insertLinkedAccount,
  reportRows,
  seedReportedAccounts,
  startReportingApp,
  type ReportingApp,
} from '../support/personal-data.js';

const PERSON = {
  email: 'zelda.closedperson@example.test',
  displayName: 'Zelda Closedperson',
  avatarUrl: 'https://avatars.example.test/zelda-closedperson.png',
};

describe.each(['sqlite', 'postgres'] as const)('personal data actions (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let reporting: ReportingApp;
  const events: Array<{ name: string; payload: any }> = [];
  /** Linked account ids the refresher was asked for; ids in `unfetchable` throw. */
  const refreshed: string[] = [];
  const unfetchable = new Set<string>();
  const accounts = () => reporting.app.dataSource.getRepository(LinkedAccount);

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    const refresher: ProfileRefresher = {
      refreshProfile: async (accountId) => {
        refreshed.push(accountId);
        if (unfetchable.has(accountId)) throw new Error('no token can fetch it');
        await accounts().update(accountId, {
          displayName: 'Fetched again',
          profileFetchedAt: emulator.clock.now(),
        });
      },
    };
    reporting = await startReportingApp(await createTestDatabase(kind), emulator, {
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
      overrides: [{ provide: ProfileRefresher, useValue: refresher }],
    });
    reporting.app.app
      .get(EventEmitter2)
      .onAny((name, payload) => events.push({ name: String(name), payload }));
    // Live grants for the reports themselves.
    await seedReportedAccounts(reporting, emulator, 3);
  });
  afterAll(async () => {
    await reporting?.app.close();
    await emulator?.stop();
  });

  it('closed: erases the person from every table, forgets the tokens of every provider, tells the app', async () => {
    const [person] = await seedReportedAccounts(reporting, emulator, 1);
    const atlassianId = person.id;
    await accounts().update(atlassianId, {
      ...PERSON,
      profile: { name: PERSON.displayName, email: PERSON.email, picture: PERSON.avatarUrl },
    });
    const bitbucketId = await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'bitbucket',
      providerAccountId: person.providerAccountId,
      userId: person.userId,
      ...PERSON,
      refreshTokenEncrypted: 'placeholder-refresh',
    });
    const before = await everyAtlassianRow(reporting.app.dataSource);
    for (const text of Object.values(PERSON)) expect(before).toContain(text);
    emulator.personalData.markClosed(person.providerAccountId);
    events.length = 0;
    const summary = await reporting.reporter.runOnce();
    expect(summary).toMatchObject({ closed: 1, failed: 0 });
    const after = await everyAtlassianRow(reporting.app.dataSource);
    for (const text of Object.values(PERSON)) expect(after).not.toContain(text);
    for (const id of [atlassianId, bitbucketId]) {
      const row = await accounts()
        .createQueryBuilder('a')
        .addSelect(['a.accessTokenEncrypted', 'a.refreshTokenEncrypted'])
        .where('a.id = :id', { id })
        .getOneOrFail();
      expect(row).toMatchObject({
        status: 'closed',
        email: null,
        displayName: null,
        avatarUrl: null,
        profile: null,
        accessTokenEncrypted: '',
        refreshTokenEncrypted: null,
      });
    }
    const closed = events.filter((e) => e.name === AtlassianEvents.AccountClosed);
    expect(
      closed.map((e) => e.payload).sort((a, b) => a.provider.localeCompare(b.provider)),
    ).toEqual([
      {
        accountId: atlassianId,
        userId: person.userId,
        provider: 'atlassian',
        atlassianAccountId: person.providerAccountId,
      },
      {
        accountId: bitbucketId,
        userId: person.userId,
        provider: 'bitbucket',
        atlassianAccountId: person.providerAccountId,
      },
    ]);
    // Nothing of the person is stored, so nothing is reported again.
    expect((await reportRows(reporting.app.dataSource)).has(person.providerAccountId)).toBe(false);
    emulator.personalData.resetReports();
    emulator.clock.advance(30 * 86_400_000);
    await reporting.reporter.runOnce();
    expect(emulator.personalData.reportedAccountIds()).not.toContain(person.providerAccountId);
  });

  it('updated: fetches the profile of each linked account again, erasing the one that cannot be fetched', async () => {
    const [person] = await seedReportedAccounts(reporting, emulator, 1);
    const bitbucketId = await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'bitbucket',
      providerAccountId: person.providerAccountId,
      ...PERSON,
    });
    unfetchable.add(bitbucketId);
    emulator.clock.advance(1000);
    emulator.personalData.markUpdated(person.providerAccountId);
    events.length = 0;
    refreshed.length = 0;
    expect(await reporting.reporter.runOnce()).toMatchObject({ updated: 1, failed: 0 });
    expect(refreshed.sort()).toEqual([person.id, bitbucketId].sort());
    expect(await accounts().findOneByOrFail({ id: person.id })).toMatchObject({
      displayName: 'Fetched again',
      status: 'active',
    });
    expect(await accounts().findOneByOrFail({ id: bitbucketId })).toMatchObject({
      email: null,
      displayName: null,
      avatarUrl: null,
      profile: null,
    });
    const updated = events
      .filter((e) => e.name === AtlassianEvents.ProfileUpdated)
      .map((e) => e.payload);
    expect(updated).toHaveLength(2);
    expect(updated.find((p) => p.accountId === bitbucketId)).toMatchObject({
      refetched: false,
      atlassianAccountId: person.providerAccountId,
    });
    expect(updated.find((p) => p.accountId === person.id)).toMatchObject({ refetched: true });
    expect(
      (await reportRows(reporting.app.dataSource)).get(person.providerAccountId)?.lastOutcome,
    ).toBe('updated');
  });

  it("answers Atlassian's test ids: the active one needs nothing, the closed one is erased", async () => {
    const active = await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'atlassian',
      providerAccountId: EMULATOR_ACTIVE_TEST_ACCOUNT_ID,
      ...PERSON,
    });
    const closed = await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'atlassian',
      providerAccountId: EMULATOR_CLOSED_TEST_ACCOUNT_ID,
      ...PERSON,
    });
    emulator.personalData.resetReports();
    expect(await reporting.reporter.runOnce()).toMatchObject({
      reported: 2,
      closed: 1,
      updated: 0,
    });
    expect(emulator.personalData.reportedAccountIds().sort()).toEqual(
      [EMULATOR_ACTIVE_TEST_ACCOUNT_ID, EMULATOR_CLOSED_TEST_ACCOUNT_ID].sort(),
    );
    expect(await accounts().findOneByOrFail({ id: active })).toMatchObject({
      ...PERSON,
      status: 'active',
    });
    expect(await accounts().findOneByOrFail({ id: closed })).toMatchObject({
      email: null,
      displayName: null,
      avatarUrl: null,
      status: 'closed',
    });
  });

  it("never reports the id 'unknown' or an empty id", async () => {
    await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'atlassian',
      providerAccountId: 'unknown',
    });
    await insertLinkedAccount(reporting.app.dataSource, {
      provider: 'bitbucket',
      providerAccountId: '',
    });
    emulator.clock.advance(60 * 86_400_000);
    await reporting.reporter.runOnce();
    const ids = emulator.personalData.reportedAccountIds();
    expect(ids).not.toContain('unknown');
    expect(ids).not.toContain('');
    const rows = await reportRows(reporting.app.dataSource);
    expect(rows.has('unknown') || rows.has('')).toBe(false);
  });
});
