/** What the test sets in the environment of the app's process. */
function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const databaseUrl = process.env.DATABASE_URL;

export const settings = {
  port: Number(required('PORT')),
  appURL: `http://127.0.0.1:${required('PORT')}`,
  emulatorURL: required('EMULATOR_URL'),
  clientId: required('ATLASSIAN_CLIENT_ID'),
  clientSecret: required('ATLASSIAN_CLIENT_SECRET'),
  encryptionKey: required('TOKEN_ENCRYPTION_KEY'),
  database: databaseUrl
    ? { type: 'postgres' as const, url: databaseUrl }
    : { type: 'better-sqlite3' as const, database: required('SQLITE_PATH') },
};
