import { randomUUID } from 'node:crypto';
import { getGlobalDispatcher } from 'undici';
import { AtlassianApiClient, AtlassianSite, LinkedAccount, tokenBinding } from '../src/index.js';
import { bootTokenApp } from '../test/fixtures/token-worker.js';
import { openAccountsDatabase, tokenCipherFor } from '../test/support/seed-accounts.js';
import { onStage, type BenchDatabase, type BenchStage } from './support/bench-setup.js';
import { figure, heading, note } from './support/report.js';
import { median } from './support/statistics.js';

const CALLS = 4_000;
/**
 * Rounds, each running the three variants back to back: a round's ratios compare calls made under the
 * same machine load, and the median over rounds leaves out the disturbed ones.
 */
const ROUNDS = 20;
const WARM_UP_CALLS = 200;
const CLOUD_ID = '0b0b0b0b-1111-4222-8333-444455556666';
const PATH = '/rest/api/3/myself';

/** The API client's cost per call, beside a bare fetch with a bearer header, both against the emulator. */
export async function apiClientOverheadBenchmark(): Promise<void> {
  heading(
    `API client overhead: ${CALLS} sequential GET ${PATH} through AtlassianApiClient vs bare fetch and bare undici request (SQLite, token cached)`,
  );
  note(
    `Same emulator, same token, same process; ${ROUNDS} rounds of the four side by side: each ratio is the median over rounds of that round's ratio to bare fetch.`,
  );
  await onStage(async (stage) => {
    const { database, accountId, accessToken } = await seedAccountWithSite(stage);
    const app = await bootTokenApp(stage.spec(database));
    try {
      const api = app.get(AtlassianApiClient);
      const client = api.forAccount(accountId).jira(CLOUD_ID);
      const url = `${stage.emulator.apiBaseURL}/ex/jira/${CLOUD_ID}${PATH}`;
      const bare = async () =>
        (
          await fetch(url, {
            headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          })
        ).json();
      // The transport the client sends with (the global dispatcher's request), bare: what is left
      // above it is the client's own work.
      const target = new URL(url);
      const bareRequest = async () =>
        (
          await getGlobalDispatcher().request({
            origin: target.origin,
            path: target.pathname,
            method: 'GET',
            headers: { authorization: `Bearer ${accessToken}`, accept: 'application/json' },
          })
        ).body.json();
      const viaClient = () => client.get(PATH);
      const viaFreshClient = () => api.forAccount(accountId).jira(CLOUD_ID).get(PATH);
      for (const call of [bare, bareRequest, viaClient, viaFreshClient])
        await repeat(call, WARM_UP_CALLS);
      const rounds = {
        bare: [] as number[],
        request: [] as number[],
        client: [] as number[],
        fresh: [] as number[],
      };
      const cpu = { bare: 0, request: 0, client: 0, fresh: 0 };
      for (let round = 0; round < ROUNDS; round++) {
        const variants = [
          ['bare', bare],
          ['request', bareRequest],
          ['client', viaClient],
          ['fresh', viaFreshClient],
        ] as const;
        // Each variant goes first, second and third in turn: none always follows the same one's garbage.
        const order = variants.map((_, i) => variants[(i + round) % variants.length]);
        for (const [name, call] of order) {
          const cpuAtStart = process.cpuUsage();
          rounds[name].push(await perCallMs(call));
          const used = process.cpuUsage(cpuAtStart);
          cpu[name] += (used.user + used.system) / (CALLS / ROUNDS);
        }
      }
      // CPU of the whole process (the emulator's share included), per call, averaged over the rounds.
      const cpuPerCall = (name: keyof typeof cpu) => `${(cpu[name] / ROUNDS).toFixed(0)} µs CPU`;
      const bareMs = median(rounds.bare);
      const [requestRatio, clientRatio, freshRatio] = [
        rounds.request,
        rounds.client,
        rounds.fresh,
      ].map((variant) => median(variant.map((ms, round) => ms / rounds.bare[round])));
      const [requestMs, clientMs, freshMs] = [requestRatio, clientRatio, freshRatio].map(
        (ratio) => ratio * bareMs,
      );
      // The client's own cost: above the transport it sends with, measured in the same rounds.
      const [clientOverRequest, freshOverRequest] = [rounds.client, rounds.fresh].map((variant) =>
        median(variant.map((ms, round) => ms / rounds.request[round])),
      );
      // Per round too: the difference of two medians can disagree with the rounds' own differences.
      const [clientAddsUs, freshAddsUs] = [rounds.client, rounds.fresh].map(
        (variant) => median(variant.map((ms, round) => ms - rounds.request[round])) * 1000,
      );
      figure(
        'bare fetch + bearer header',
        `${(bareMs * 1000).toFixed(0)} µs/call`,
        `the baseline; ${cpuPerCall('bare')}`,
      );
      figure(
        'bare undici request + bearer header',
        `${(requestMs * 1000).toFixed(0)} µs/call`,
        `${requestRatio.toFixed(2)}× bare fetch: the transport the client sends with; ${cpuPerCall('request')}`,
      );
      figure(
        'AtlassianApiClient, one client reused',
        `${(clientMs * 1000).toFixed(0)} µs/call`,
        `${clientRatio.toFixed(2)}× bare (target ≤ 1.10×), ${clientOverRequest.toFixed(2)}× its bare transport (${clientAddsUs.toFixed(0)} µs/call more, median of the rounds); ${cpuPerCall('client')}`,
      );
      figure(
        'AtlassianApiClient, new client per call',
        `${(freshMs * 1000).toFixed(0)} µs/call`,
        `${freshRatio.toFixed(2)}× bare (target ≤ 1.30×), ${freshOverRequest.toFixed(2)}× its bare transport (${freshAddsUs.toFixed(0)} µs/call more: it adds the account and site lookup); ${cpuPerCall('fresh')}`,
      );
      note(
        `emulator answered ${stage.emulator.count('jira', { status: 200 })} Jira calls; refresh calls: ${stage.emulator.count('token')} (expected 0)`,
      );
    } finally {
      await app.close();
    }
  });
}

/** One Atlassian account with one Jira site, its tokens issued by the emulator and stored encrypted. */
async function seedAccountWithSite(
  stage: BenchStage,
): Promise<{ database: BenchDatabase; accountId: string; accessToken: string }> {
  const database = stage.sqliteDatabase();
  const scopes = ['read:me', 'offline_access', 'read:jira-work', 'read:jira-user'];
  stage.emulator.addUser({
    accountId: 'bench-api',
    name: 'Bench API',
    sites: [{ id: CLOUD_ID, name: 'bench', url: 'https://bench.atlassian.net', scopes }],
  });
  const issued = stage.emulator.issueTokens({
    accountId: 'bench-api',
    clientId: stage.clientId,
    scopes,
  });
  const cipher = tokenCipherFor(stage.encryptionKey);
  const dataSource = await openAccountsDatabase(database);
  const accountId = randomUUID();
  const now = Date.now();
  try {
    await dataSource.getRepository(LinkedAccount).insert({
      id: accountId,
      userId: 'bench-user',
      provider: 'atlassian',
      providerAccountId: 'bench-api',
      scopes,
      accessTokenEncrypted: cipher.encrypt(issued.access_token, tokenBinding(accountId, 'access')),
      refreshTokenEncrypted: cipher.encrypt(
        issued.refresh_token!,
        tokenBinding(accountId, 'refresh'),
      ),
      accessTokenExpiresAt: new Date(now + 3600_000),
      lastRefreshedAt: new Date(now),
      consentedAt: new Date(now),
    });
    await dataSource.getRepository(AtlassianSite).insert({
      id: randomUUID(),
      linkedAccountId: accountId,
      cloudId: CLOUD_ID,
      url: 'https://bench.atlassian.net',
      name: 'bench',
      scopes,
      avatarUrl: null,
    });
  } finally {
    await dataSource.destroy();
  }
  return { database, accountId, accessToken: issued.access_token };
}

async function repeat(call: () => Promise<unknown>, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await call();
}

async function perCallMs(call: () => Promise<unknown>): Promise<number> {
  const startedAt = performance.now();
  await repeat(call, CALLS / ROUNDS);
  return (performance.now() - startedAt) / (CALLS / ROUNDS);
}
