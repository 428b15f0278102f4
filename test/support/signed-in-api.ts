import { AtlassianApiClient } from '../../src/index.js';
import { AtlassianEmulator } from '../../src/testing/index.js';
import { createTestDatabase } from './databases.js';
import { signInThroughApp } from './sign-in.js';
import { startTestApp, type TestApp, type TestAppSetup } from './test-app.js';

/** An emulator, a fixture app on SQLite, and a user signed in through it: the start of an API client test. */
export interface SignedInApi {
  emulator: AtlassianEmulator;
  app: TestApp;
  api: AtlassianApiClient;
  userId: string;
  close(): Promise<void>;
}

type SignedInSetup = Omit<TestAppSetup, 'database' | 'emulator'>;

/**
 * Starts the emulator and the app (with `setup`'s changes; a function of the emulator when they need
 * it, e.g. its clock) and signs the default user in over HTTP.
 */
export async function startSignedInApi(
  setup: SignedInSetup | ((emulator: AtlassianEmulator) => SignedInSetup) = {},
): Promise<SignedInApi> {
  const emulator = await AtlassianEmulator.start();
  const app = await startTestApp({
    database: await createTestDatabase('sqlite'),
    emulator,
    ...(typeof setup === 'function' ? setup(emulator) : setup),
  });
  const { userId } = await signInThroughApp(app, emulator);
  return {
    emulator,
    app,
    api: app.app.get(AtlassianApiClient),
    userId,
    close: async () => {
      await app.close();
      await emulator.stop();
    },
  };
}
