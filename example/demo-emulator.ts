import type { OnApplicationShutdown } from '@nestjs/common';
import {
  AtlassianEmulator,
  DEFAULT_EMULATOR_BITBUCKET_CONSUMER,
  DEFAULT_EMULATOR_CLIENT,
} from '../src/testing/index.js';

/**
 * Starts the in-process stand-in for Atlassian and Bitbucket, with the demo's callback URLs registered for
 * its default Atlassian client and, when given, its default Bitbucket consumer.
 */
export async function startDemoEmulator(
  callbackURL: string,
  port: number,
  bitbucketCallbackURL?: string,
): Promise<AtlassianEmulator> {
  // The real clock, so that codes and tokens expire as they would at Atlassian.
  const emulator = await AtlassianEmulator.start({
    port,
    realTimeClock: true,
    clients: [{ ...DEFAULT_EMULATOR_CLIENT, redirectUris: [callbackURL] }],
    ...(bitbucketCallbackURL && {
      bitbucketConsumers: [
        { ...DEFAULT_EMULATOR_BITBUCKET_CONSUMER, callbackURL: bitbucketCallbackURL },
      ],
    }),
  });
  // A one-minute personal data reporting cycle (Atlassian's is 7 days), so that an account closed
  // with the page's button is reported, and erased, within minutes of the next report.
  emulator.personalData.setCyclePeriod('PT1M');
  return emulator;
}

/** Stops the emulator when the app closes (also on SIGINT / SIGTERM, through `enableShutdownHooks`). */
export class DemoEmulatorHost implements OnApplicationShutdown {
  constructor(readonly emulator: AtlassianEmulator | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.emulator?.stop();
  }
}
