import type { OnApplicationShutdown } from '@nestjs/common';
import { AtlassianEmulator, DEFAULT_EMULATOR_CLIENT } from '../src/testing/index.js';

/** Starts the in-process Atlassian stand-in, with the demo's callback URL registered for its default client. */
export function startDemoEmulator(callbackURL: string, port: number): Promise<AtlassianEmulator> {
  // The real clock, so that codes and tokens expire as they would at Atlassian.
  return AtlassianEmulator.start({
    port,
    realTimeClock: true,
    clients: [{ ...DEFAULT_EMULATOR_CLIENT, redirectUris: [callbackURL] }],
  });
}

/** Stops the emulator when the app closes (also on SIGINT / SIGTERM, through `enableShutdownHooks`). */
export class DemoEmulatorHost implements OnApplicationShutdown {
  constructor(readonly emulator: AtlassianEmulator | undefined) {}

  async onApplicationShutdown(): Promise<void> {
    await this.emulator?.stop();
  }
}
