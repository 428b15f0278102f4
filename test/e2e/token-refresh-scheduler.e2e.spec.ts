import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AtlassianEvents,
  LinkedAccount,
  TokenRefreshScheduler,
  type ConsentExpiringEvent,
} from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from '../support/databases.js';
import { signInThroughApp } from '../support/sign-in.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const DAY_MS = 24 * 3600_000;

describe.each(['sqlite', 'postgres'] as const)('TokenRefreshScheduler (%s)', (kind) => {
  let emulator: AtlassianEmulator;
  let app: TestApp;
  let scheduler: TokenRefreshScheduler;
  const consentEvents: ConsentExpiringEvent[] = [];
  const allEvents: Array<{ name: string; payload: unknown }> = [];

  beforeAll(async () => {
    emulator = await AtlassianEmulator.start();
    app = await startTestApp({
      database: await createTestDatabase(kind),
      emulator,
      // The expiry window is off here, so only the keep-alive can refresh an idle account.
      options: {
        refreshScheduler: {
          enabled: false,
          windowSeconds: 0,
          keepAliveAfterDays: 60,
          consentWarningDays: 14,
        },
      },
      now: () => emulator.clock.now(),
      imports: [EventEmitterModule.forRoot({ wildcard: true })],
    });
    scheduler = app.app.get(TokenRefreshScheduler);
    const events = app.app.get(EventEmitter2);
    events.on(AtlassianEvents.ConsentExpiring, (payload: ConsentExpiringEvent) =>
      consentEvents.push(payload),
    );
    events.onAny((name, payload) => allEvents.push({ name: String(name), payload }));
    for (const accountId of ['idle-a', 'idle-b', 'idle-c']) {
      emulator.addUser({ accountId, name: accountId });
      emulator.signInAs(accountId);
      await signInThroughApp(app, emulator);
    }
  });
  afterAll(async () => {
    await app?.close();
    await emulator?.stop();
  });

  const rows = () =>
    app.dataSource.getRepository(LinkedAccount).find({ order: { providerAccountId: 'ASC' } });

  it('leaves accounts alone while they are not idle long enough', async () => {
    emulator.clock.advance(50 * DAY_MS);
    const result = await scheduler.runOnce();
    expect(result).toMatchObject({ refreshed: 0, failed: 0, reauthRequired: 0 });
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(0);
  });

  it('refreshes idle accounts before the 90-day inactivity limit (at 80 days)', async () => {
    emulator.clock.advance(30 * DAY_MS);
    const before = await rows();
    const result = await scheduler.runOnce();
    expect(result.refreshed).toBe(3);
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(3);
    const after = await rows();
    for (const [i, row] of after.entries()) {
      expect(row.status).toBe('active');
      expect(row.lastRefreshedAt!.getTime()).toBe(emulator.clock.nowMs());
      expect(row.version).toBeGreaterThan(before[i].version);
      expect(row.refreshLeaseOwner).toBeNull();
    }
    // A second tick finds nothing due.
    expect((await scheduler.runOnce()).refreshed).toBe(0);
    expect(emulator.count('token', { grantType: 'refresh_token' })).toBe(3);
  });

  it('keeps the chain alive past 90 days, where an unrefreshed token would have died', async () => {
    emulator.clock.advance(70 * DAY_MS); // day 150: 70 days after the keep-alive, under the 90-day limit
    expect((await scheduler.runOnce()).refreshed).toBe(3);
    expect(emulator.count('token', { grantType: 'refresh_token', status: 200 })).toBe(6);
  });

  it('tells the app once, with an event and a status field, when the 365-day consent is about to end', async () => {
    const consentedAt = (await rows())[0].consentedAt.getTime();
    // Tick through the year as a deployment would, so the keep-alive holds the chain.
    while (emulator.clock.nowMs() + 30 * DAY_MS < consentedAt + 350 * DAY_MS) {
      emulator.clock.advance(30 * DAY_MS);
      expect((await scheduler.runOnce()).consentWarnings).toBe(0);
    }
    emulator.clock.set(new Date(consentedAt + 350 * DAY_MS));
    expect((await scheduler.runOnce()).consentWarnings).toBe(0);
    expect((await rows()).every((row) => row.status === 'active')).toBe(true);
    emulator.clock.advance(10 * DAY_MS); // day 360: within the 14-day warning
    const result = await scheduler.runOnce();
    expect(result.consentWarnings).toBe(3);
    expect(consentEvents.map((e) => e.userId).sort()).toEqual(
      (await rows()).map((r) => r.userId).sort(),
    );
    const byId = new Map((await rows()).map((row) => [row.id, row]));
    for (const event of consentEvents) {
      expect(event.consentExpiresAt.getTime()).toBe(
        byId.get(event.accountId)!.consentedAt.getTime() + 365 * DAY_MS,
      );
      expect(event.consentExpiresAt.getTime() - emulator.clock.nowMs()).toBeGreaterThan(4 * DAY_MS);
    }
    expect((await rows()).every((row) => row.consentExpiryNotifiedAt !== null)).toBe(true);
    expect((await scheduler.runOnce()).consentWarnings).toBe(0);
    expect(consentEvents).toHaveLength(3);
  });

  it('publishes events that carry ids, never tokens', () => {
    expect(allEvents.map((e) => e.name)).toEqual(
      expect.arrayContaining([AtlassianEvents.TokenRefreshed, AtlassianEvents.ConsentExpiring]),
    );
    for (const { payload } of allEvents) {
      expect(Object.keys(payload as object).filter((key) => /token$/i.test(key))).toEqual([]);
    }
  });
});
