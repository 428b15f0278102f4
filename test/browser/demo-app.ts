import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readDemoConfig } from '../../example/demo-config.js';
import { startDemo, type RunningDemo } from '../../example/start-demo.js';
import { freePort } from '../support/free-port.js';

/** The demo as `npm start` runs it (environment read by the demo, emulator in-process), on a fresh SQLite file. */
export interface DemoUnderTest {
  demo: RunningDemo;
  sqlitePath: string;
  sessionSecret: string;
  close(): Promise<void>;
}

/** Starts the demo with its own temporary SQLite file; `env` adds or overrides variables. */
export async function startDemoUnderTest(env: Record<string, string> = {}): Promise<DemoUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-atlassian-demo-'));
  const sqlitePath = env.SQLITE_PATH ?? join(dir, 'demo.sqlite');
  const sessionSecret = env.SESSION_SECRET ?? randomBytes(32).toString('base64');
  const config = readDemoConfig({
    PORT: String(await freePort()),
    SQLITE_PATH: sqlitePath,
    TOKEN_ENCRYPTION_KEY: randomBytes(32).toString('base64'),
    SESSION_SECRET: sessionSecret,
    ...env,
  });
  const demo = await startDemo(config, { logger: false });
  return {
    demo,
    sqlitePath,
    sessionSecret,
    async close() {
      await demo.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
