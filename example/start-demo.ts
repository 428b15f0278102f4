import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createServer } from 'node:net';
import type { DataSource } from 'typeorm';
import type { AtlassianEmulator } from '../src/testing/index.js';
import { AppModule } from './app.module.js';
import { DEMO_CALLBACK_PATH, type DemoConfig, type DemoSettings } from './demo-config.js';
import { startDemoEmulator } from './demo-emulator.js';

/** A running demo. */
export interface RunningDemo {
  app: INestApplication;
  /** The URL to open in a browser. */
  url: string;
  settings: DemoSettings;
  /** The built-in emulator, when no real Atlassian app is configured. */
  emulator?: AtlassianEmulator;
  dataSource: DataSource;
  /** Closes the app, the database connection and the emulator. */
  close(): Promise<void>;
}

/** How to start it; the defaults suit `npm start`. */
export interface StartDemoOptions {
  /** Nest's log levels, or `false` for none. Default: errors and warnings. */
  logger?: LogLevel[] | false;
}

/**
 * Starts the demo as `npm start` does: the built-in emulator when `config.atlassianClient` is unset,
 * then the Nest app on `config.port`, on every interface.
 */
export async function startDemo(config: DemoConfig, options: StartDemoOptions = {}): Promise<RunningDemo> {
  // The callback URL is part of the OAuth client's settings, so the port must be known before the app starts.
  const port = config.port || (await findFreePort());
  const callbackURL = config.callbackURL ?? `http://localhost:${port}${DEMO_CALLBACK_PATH}`;
  const emulator = config.atlassianClient ? undefined : await startDemoEmulator(callbackURL, config.emulatorPort);
  const client = config.atlassianClient ?? { clientId: 'emulator-client-id', clientSecret: 'emulator-client-secret' };
  const settings: DemoSettings = {
    publicURL: new URL(callbackURL).origin,
    atlassian: {
      ...client,
      callbackURL,
      authBaseURL: emulator?.authBaseURL ?? config.authBaseURL,
      apiBaseURL: emulator?.apiBaseURL ?? config.apiBaseURL,
      scopes: config.scopes,
      emulator: emulator !== undefined,
    },
    database: config.database,
    tokenEncryptionKey: config.tokenEncryptionKey,
    sessionSecret: config.sessionSecret,
  };
  let app: INestApplication | undefined;
  try {
    app = await NestFactory.create(AppModule.register(settings, emulator), { logger: options.logger ?? ['error', 'warn'], abortOnError: false });
    app.enableShutdownHooks();
    await app.listen(port);
  } catch (err) {
    await (app ? app.close() : emulator?.stop());
    throw err;
  }
  const running = app;
  return { app: running, url: settings.publicURL, settings, emulator, dataSource: running.get(getDataSourceToken()), close: () => running.close() };
}

function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
