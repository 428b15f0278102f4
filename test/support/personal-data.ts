import { randomUUID } from 'node:crypto';
import type { DataSource } from 'typeorm';
import {
  LinkedAccount,
  PersonalDataReport,
  PersonalDataReporter,
  type EncryptionKeyInput,
} from '../../src/index.js';
import type { AtlassianEmulator } from '../../src/testing/index.js';
import type { TestDatabase } from './databases.js';
import { newEncryptionKey, seedAccounts, type SeededAccount } from './seed-accounts.js';
import { startTestApp, type TestApp, type TestAppSetup } from './test-app.js';

export const DAY_MS = 24 * 3600_000;

/** A fixture app with reporting on demand only (no cron), on the emulator's clock, with a known key. */
export interface ReportingApp {
  app: TestApp;
  reporter: PersonalDataReporter;
  key: EncryptionKeyInput;
}

export async function startReportingApp(
  database: TestDatabase,
  emulator: AtlassianEmulator,
  extra: Partial<TestAppSetup> & { key?: EncryptionKeyInput } = {},
): Promise<ReportingApp> {
  const key = extra.key ?? newEncryptionKey();
  const app = await startTestApp({
    database,
    emulator,
    now: () => emulator.clock.now(),
    ...extra,
    options: {
      encryptionKeys: [key],
      refreshScheduler: { enabled: false },
      ...extra.options,
      personalDataReporting: { enabled: false, ...extra.options?.personalDataReporting },
    },
  });
  return { app, reporter: app.app.get(PersonalDataReporter), key };
}

/** `count` Atlassian accounts with live grants; their access tokens expire with the emulator's (1 hour). */
export function seedReportedAccounts(
  reporting: ReportingApp,
  emulator: AtlassianEmulator,
  count: number,
): Promise<SeededAccount[]> {
  const now = emulator.clock.nowMs();
  return seedAccounts(reporting.app.dataSource, emulator, {
    count,
    encryptionKey: reporting.key,
    clientId: 'test-client',
    accessTokenExpiresAt: new Date(now + 3600_000),
    lastRefreshedAt: new Date(now),
    consentedAt: new Date(now),
  });
}

/** A linked account row without a live grant (the token is a placeholder), for one person's data. */
export async function insertLinkedAccount(
  dataSource: DataSource,
  values: Partial<LinkedAccount> & Pick<LinkedAccount, 'provider' | 'providerAccountId'>,
): Promise<string> {
  const id = randomUUID();
  await dataSource.getRepository(LinkedAccount).insert({
    id,
    userId: `user-${values.providerAccountId}`,
    scopes: ['read:me'],
    accessTokenEncrypted: 'placeholder',
    consentedAt: new Date(),
    ...values,
  });
  return id;
}

/** Times (emulator clock, ms) each account id was reported at, from the emulator's log. */
export function reportTimesById(emulator: AtlassianEmulator): Map<string, number[]> {
  const times = new Map<string, number[]>();
  for (const report of emulator.personalData.reports) {
    if (report.status !== 200 && report.status !== 204) continue;
    for (const id of report.accountIds)
      times.set(id, [...(times.get(id) ?? []), report.at.getTime()]);
  }
  return times;
}

/** The reporting rows, by id. */
export async function reportRows(dataSource: DataSource): Promise<Map<string, PersonalDataReport>> {
  const rows = await dataSource.getRepository(PersonalDataReport).find();
  return new Map(rows.map((row) => [row.id, row]));
}

/** Every row of every `atlassian_*` table, as JSON text: where personal data must not remain. */
export async function everyAtlassianRow(dataSource: DataSource): Promise<string> {
  const texts: string[] = [];
  for (const metadata of dataSource.entityMetadatas) {
    if (!metadata.tableName.startsWith('atlassian_')) continue;
    const rows: unknown[] = await dataSource.query(`SELECT * FROM "${metadata.tableName}"`);
    texts.push(`${metadata.tableName}: ${JSON.stringify(rows)}`);
  }
  return texts.join('\n');
}
