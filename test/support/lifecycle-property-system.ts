import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuthenticatedUser, EncryptionKeyInput, TokenCipher } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { ScopedTestController } from '../fixtures/scoped-test.controller.js';
import type { TokenAppSpec } from '../fixtures/token-worker.js';
import { BrowserSession } from './browser-session.js';
import {
  startDedicatedPostgresServer,
  type DedicatedPostgresServer,
} from './dedicated-postgres-server.js';
import type { RowState } from './lifecycle-property-oracle.js';
import { TokenTap, type TappedExchange } from './lifecycle-property-token-tap.js';
import { tokenCipherFor } from './seed-accounts.js';
import { plainTokens, storedAccounts } from './stored-accounts.js';
import { startTestApp, type TestApp } from './test-app.js';
import {
  startTokenWorkers,
  type TokenWorker,
  type TokenWorkers,
  type WorkerLaunch,
} from './worker-processes.js';

/**
 * The real system the claim-protocol property runs against: a PostgreSQL server of its own (so that
 * it can cut the database off), the emulator with a strict provider's settings, the Nest app people
 * sign in through, and worker processes in different time zones with clocks apart, each behind a
 * token tap. Everything lives for the whole test; each run starts from empty tables.
 */

/** Module settings shared by the app and the workers: short tokens, small leases, defaults elsewhere. */
export interface PropertySettings {
  /** Emulator `accessTokenTtlSeconds`: short, so that refreshes are due all the time. */
  accessTokenTtlSeconds: number;
  httpTimeoutMs: number;
  storeBudgetMs: number;
  refreshLeaseMs: number;
  refreshWaitMs: number;
}

/** One worker process slot: time zone and clock offset stay, the process may be replaced. */
export interface WorkerSetup {
  timeZone: string;
  clockOffsetMs: number;
}

interface WorkerSlot {
  tap: TokenTap;
  launch: WorkerLaunch;
  worker: TokenWorker;
}

const CLIENT = { clientId: 'test-client', clientSecret: 'test-secret' };
const DATABASE = 'lifecycle_property';
const EXTRA_SCOPE = 'write:jira-work';

export class PropertySystem {
  private readonly groups: TokenWorkers[] = [];
  /** Processes this system killed on purpose. */
  private readonly killed = new Set<TokenWorker>();
  /** Processes that exited without being killed: a failure of the system under test, reported once. */
  private readonly deaths: string[] = [];

  private constructor(
    readonly settings: PropertySettings,
    /** Every token exchange of the current run, through every tap. */
    readonly exchanges: TappedExchange[],
    readonly emulator: AtlassianEmulator,
    private readonly server: DedicatedPostgresServer,
    private readonly appTap: TokenTap,
    readonly app: TestApp,
    readonly cipher: TokenCipher,
    private readonly slots: WorkerSlot[],
  ) {}

  static async start(settings: PropertySettings, setups: WorkerSetup[]): Promise<PropertySystem> {
    const cleanups: Array<() => Promise<unknown>> = [];
    try {
      const server = await startDedicatedPostgresServer();
      cleanups.push(() => server.destroy());
      const url = await server.createDatabase(DATABASE);
      const emulator = await AtlassianEmulator.start({
        realTimeClock: true,
        accessTokenTtlSeconds: settings.accessTokenTtlSeconds,
        refreshLeewaySeconds: 0,
      });
      cleanups.push(() => emulator.stop());
      const exchanges: TappedExchange[] = [];
      const appTap = await TokenTap.start('app', emulator.url, exchanges);
      cleanups.push(() => appTap.close());
      const encryptionKey: EncryptionKeyInput = {
        id: 'prop',
        key: randomBytes(32).toString('base64'),
      };
      const tokens = {
        storeBudgetMs: settings.storeBudgetMs,
        refreshLeaseMs: settings.refreshLeaseMs,
        refreshWaitMs: settings.refreshWaitMs,
        backoffBaseMs: 100,
        backoffMaxMs: 500,
      };
      // The app reaches the emulator through its tap: the tap sees every grant's first tokens.
      const tapped = {
        registerClient: (client: never) => emulator.registerClient(client),
        authBaseURL: appTap.url,
        apiBaseURL: appTap.url,
      } as unknown as AtlassianEmulator;
      const app = await startTestApp({
        database: { kind: 'postgres', location: url, typeorm: { type: 'postgres', url } },
        emulator: tapped,
        // Names write:jira-work in @RequireAtlassianScopes, which lets the login route ask for it.
        controllers: [ScopedTestController],
        options: {
          encryptionKeys: [encryptionKey],
          httpTimeoutMs: settings.httpTimeoutMs,
          tokens,
          refreshScheduler: { enabled: false },
        },
      });
      cleanups.push(() => app.close());
      const slots: WorkerSlot[] = [];
      for (const [index, setup] of setups.entries()) {
        const tap = await TokenTap.start(`w${index}`, emulator.url, exchanges);
        cleanups.push(() => tap.close());
        const spec: TokenAppSpec = {
          database: { type: 'postgres', url },
          emulatorUrl: tap.url,
          ...CLIENT,
          encryptionKey,
          httpTimeoutMs: settings.httpTimeoutMs,
          tokens,
          clockOffsetMs: setup.clockOffsetMs,
        };
        slots.push({
          tap,
          launch: { spec, env: { TZ: setup.timeZone } },
          worker: undefined as unknown as TokenWorker,
        });
      }
      const system = new PropertySystem(
        settings,
        exchanges,
        emulator,
        server,
        appTap,
        app,
        tokenCipherFor(encryptionKey),
        slots,
      );
      cleanups.push(() => Promise.all(system.groups.map((group) => group.close())));
      const group = await startTokenWorkers(slots.map((slot) => slot.launch));
      system.groups.push(group);
      group.workers.forEach((worker, index) => system.install(index, worker));
      return system;
    } catch (err) {
      for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
      throw err;
    }
  }

  /** The live process of a slot, or undefined while it is being replaced. */
  worker(slot: number): TokenWorker | undefined {
    const worker = this.slots[slot].worker;
    return worker.alive ? worker : undefined;
  }

  /** Any live worker, preferring `slot`. */
  anyWorker(slot: number): TokenWorker | undefined {
    return this.worker(slot) ?? this.slots.map((_, index) => this.worker(index)).find(Boolean);
  }

  /** Exits nobody asked for since the last call (with the process's last output). */
  takeUnexpectedExits(): string[] {
    return this.deaths.splice(0);
  }

  /** Empty tables, no faults, no recorded calls, every slot with a live process: a run starts from nothing. */
  async reset(): Promise<void> {
    await this.server.allowConnections(DATABASE);
    // A run that failed in the middle of a crash may have left a slot empty.
    for (const [slot, { worker }] of this.slots.entries())
      if (!worker.alive) await this.restart(slot);
    this.deaths.length = 0;
    this.emulator.clearFaults();
    await this.drained();
    this.exchanges.length = 0;
    this.emulator.resetCalls();
    await this.withDatabase(() =>
      this.app.dataSource.query('TRUNCATE "atlassian_sites", "atlassian_linked_accounts" CASCADE'),
    );
  }

  /** Resolves when no tap is still forwarding (e.g. a killed worker's request). */
  async drained(): Promise<void> {
    await Promise.all(
      [this.appTap, ...this.slots.map((slot) => slot.tap)].map((tap) => tap.drained()),
    );
  }

  /**
   * One sign-in through the app's real routes as the emulator's user `emulatorAccountId`; the code is
   * read from the callback, so the oracle knows which grant it began. Never throws for an app failure.
   */
  async signIn(
    emulatorAccountId: string,
    extraScope: boolean,
  ): Promise<{ code?: string; user?: AuthenticatedUser; failure?: string }> {
    const session = new BrowserSession();
    try {
      const login = await session.request(
        `${this.app.url}/auth/atlassian${extraScope ? `?scope=${EXTRA_SCOPE}` : ''}`,
      );
      const location = login.headers.get('location');
      if (!location) return { failure: `login answered ${login.status}` };
      const callback = await this.emulator.approve(location, { accountId: emulatorAccountId });
      const code = new URL(callback).searchParams.get('code') ?? undefined;
      const response = await session.request(callback);
      if (response.status !== 200) return { code, failure: `callback answered ${response.status}` };
      return { code, user: (await response.json()) as AuthenticatedUser };
    } catch (err) {
      return { failure: (err as Error).message };
    }
  }

  /** SIGKILL, then a new process in the slot (retried while the database refuses it); returns the killed incarnation. */
  async crash(slot: number): Promise<number | undefined> {
    const { tap, worker } = this.slots[slot];
    if (!worker.alive) return undefined;
    this.killed.add(worker);
    await worker.kill('SIGKILL');
    const killed = tap.incarnation;
    await this.restart(slot);
    return killed;
  }

  /** Drops every session of the database and refuses new ones for `durationMs`. */
  async outage(durationMs: number): Promise<void> {
    try {
      // A session of a process killed at that very moment may outlive the helper's wait: the database
      // refuses new sessions already, which is the outage; the rest end on their own.
      await this.server.cutConnections(DATABASE).catch(() => undefined);
      await sleep(durationMs);
    } finally {
      await this.server.allowConnections(DATABASE);
    }
  }

  /** Every row with its tokens decrypted. */
  async rows(): Promise<RowState[]> {
    const rows = await this.withDatabase(() => storedAccounts(this.app.dataSource));
    return rows.map((row) => {
      const { accessToken, refreshToken } = plainTokens(this.cipher, row);
      return {
        id: row.id,
        status: row.status,
        leaseOwner: row.refreshLeaseOwner,
        scopes: row.scopes,
        accessToken: accessToken || null,
        refreshToken,
      };
    });
  }

  /**
   * Waits (up to `timeoutMs`) until no row holds a live lease by the database's clock, nor backs off a
   * refresh (judged `clockSpreadMs` late: backoffs are dated by the process clocks); false on timeout.
   */
  async leasesLapsed(timeoutMs: number, clockSpreadMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const [{ busy }] = await this.withDatabase(() =>
        this.app.dataSource.query(
          `SELECT count(*)::int AS busy FROM "atlassian_linked_accounts"
           WHERE "refreshLeaseExpiresAt" > clock_timestamp() OR "nextRefreshAttemptAt" + interval '${Math.round(clockSpreadMs)} milliseconds' > clock_timestamp()`,
        ),
      );
      if (busy === 0) return true;
      if (Date.now() > deadline) return false;
      await sleep(200);
    }
  }

  async close(): Promise<void> {
    this.slots.forEach(({ worker }) => this.killed.add(worker));
    const steps = [
      () => Promise.all(this.groups.map((group) => group.close())),
      () => this.app.close(),
      () => this.appTap.close(),
      ...this.slots.map((slot) => () => slot.tap.close()),
      () => this.emulator.stop(),
      () => this.server.destroy(),
    ];
    for (const step of steps) await step().catch(() => undefined);
  }

  /** A new process in the slot, retried while the database refuses it (a process cannot boot without it). */
  private async restart(slot: number): Promise<void> {
    this.slots[slot].tap.incarnation++;
    for (let attempt = 1; ; attempt++) {
      try {
        const group = await startTokenWorkers([this.slots[slot].launch]);
        this.groups.push(group);
        this.install(slot, group.workers[0]);
        return;
      } catch (err) {
        if (attempt >= 20) throw err;
        await sleep(300);
      }
    }
  }

  private install(slot: number, worker: TokenWorker): void {
    this.slots[slot].worker = worker;
    void worker.exited.then(async ({ code, signal }) => {
      if (this.killed.has(worker)) return;
      const output = await worker.result.then(
        () => '',
        (err: Error) => err.message,
      );
      this.deaths.push(
        `process w${slot} exited by itself (code ${code}, signal ${signal}): ${output}`,
      );
    });
  }

  /** The test's own reads retry while the database comes back from an outage. */
  private async withDatabase<T>(work: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await work();
      } catch (err) {
        if (attempt >= 30) throw err;
        await sleep(200);
      }
    }
  }
}
