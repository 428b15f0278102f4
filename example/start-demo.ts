import type { INestApplication, LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { getDataSourceToken } from '@nestjs/typeorm';
import { createServer } from 'node:net';
import type { DataSource } from 'typeorm';
import {
  DEFAULT_EMULATOR_BITBUCKET_CONSUMER,
  DEFAULT_EMULATOR_CLIENT,
  type AtlassianEmulator,
} from '../src/testing/index.js';
import { AppModule } from './app.module.js';
import {
  DEMO_BITBUCKET_CALLBACK_PATH,
  DEMO_CALLBACK_PATH,
  type DemoConfig,
  type DemoSettings,
} from './demo-config.js';
import { startDemoEmulator } from './demo-emulator.js';

/** A running demo. */
export interface RunningDemo {
  app: INestApplication;
  /** The URL to open in a browser. */
  url: string;
  settings: DemoSettings;
  /** The built-in emulator (Atlassian and Bitbucket), when no real Atlassian app is configured. */
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
 * Starts the demo as `npm start` does: the built-in emulator when `config.atlassianClient` is unset (it
 * plays Bitbucket too, unless a real consumer is set), then the Nest app on `config.port`, on every interface.
 */
export async function startDemo(
  config: DemoConfig,
  options: StartDemoOptions = {},
): Promise<RunningDemo> {
  // The callback URL is part of the OAuth client's settings, so the port must be known before the app starts.
  const port = config.port || (await findFreePort());
  const callbackURL = config.callbackURL ?? `http://localhost:${port}${DEMO_CALLBACK_PATH}`;
  const publicURL = new URL(callbackURL).origin;
  const bitbucketCallbackURL =
    config.bitbucketCallbackURL ?? `${publicURL}${DEMO_BITBUCKET_CALLBACK_PATH}`;
  if (new URL(bitbucketCallbackURL).origin !== publicURL) {
    // The demo's sign-in cookie must reach both callbacks, or connecting Bitbucket could not link to the signed-in user.
    throw new Error(
      `BITBUCKET_CALLBACK_URL (${bitbucketCallbackURL}) must be on the same origin as the Atlassian callback URL (${publicURL}).`,
    );
  }
  const emulatedBitbucket = !config.atlassianClient && !config.bitbucketClient;
  const emulator = config.atlassianClient
    ? undefined
    : await startDemoEmulator(
        callbackURL,
        config.emulatorPort,
        emulatedBitbucket ? bitbucketCallbackURL : undefined,
      );
  const client = config.atlassianClient ?? {
    clientId: DEFAULT_EMULATOR_CLIENT.clientId,
    clientSecret: DEFAULT_EMULATOR_CLIENT.clientSecret,
  };
  const bitbucketClient =
    config.bitbucketClient ??
    (emulatedBitbucket
      ? {
          clientId: DEFAULT_EMULATOR_BITBUCKET_CONSUMER.key,
          clientSecret: DEFAULT_EMULATOR_BITBUCKET_CONSUMER.secret,
        }
      : undefined);
  const settings: DemoSettings = {
    publicURL,
    atlassian: {
      ...client,
      callbackURL,
      authBaseURL: emulator?.authBaseURL ?? config.authBaseURL,
      apiBaseURL: emulator?.apiBaseURL ?? config.apiBaseURL,
      scopes: config.scopes,
      emulator: emulator !== undefined,
    },
    bitbucket: bitbucketClient && {
      ...bitbucketClient,
      callbackURL: bitbucketCallbackURL,
      authBaseURL: emulatedBitbucket ? emulator!.bitbucketAuthBaseURL : config.bitbucketAuthBaseURL,
      apiBaseURL: emulatedBitbucket ? emulator!.bitbucketApiBaseURL : config.bitbucketApiBaseURL,
      emulator: emulatedBitbucket,
    },
    database: config.database,
    tokenEncryptionKey: config.tokenEncryptionKey,
    sessionSecret: config.sessionSecret,
    personalDataReportingCron: config.personalDataReportingCron,
  };
  let app: NestExpressApplication | undefined;
  try {
    app = await NestFactory.create<NestExpressApplication>(AppModule.register(settings, emulator), {
      logger: options.logger ?? ['error', 'warn'],
      abortOnError: false,
      // Webhook signatures cover the exact bytes delivered: keep them (req.rawBody).
      rawBody: true,
    });
    // Bitbucket payloads reach 256 KB; Express's JSON parser stops at 100 KB by default.
    app.useBodyParser('json', { limit: '1mb' });
    app.enableShutdownHooks();
    await app.listen(port);
  } catch (err) {
    await (app ? app.close() : emulator?.stop());
    throw err;
  }
  const running = app;
  return {
    app: running,
    url: settings.publicURL,
    settings,
    emulator,
    dataSource: running.get(getDataSourceToken()),
    close: () => running.close(),
  };
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
