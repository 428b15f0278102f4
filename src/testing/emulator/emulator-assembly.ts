import { atlassianApiRoutes } from './atlassian/atlassian-api.routes.js';
import { atlassianAuthRoutes } from './atlassian/atlassian-auth.routes.js';
import { atlassianProductRoutes } from './atlassian/atlassian-product.routes.js';
import { EmulatorState } from './atlassian/atlassian-state.js';
import { atlassianTokenRoutes } from './atlassian/atlassian-token.routes.js';
import { DEFAULT_EMULATOR_BITBUCKET_CONSUMER } from './bitbucket-defaults.js';
import { bitbucketApiRoutes } from './bitbucket/bitbucket-api.routes.js';
import { bitbucketAuthRoutes } from './bitbucket/bitbucket-auth.routes.js';
import { bitbucketTokenRoutes } from './bitbucket/bitbucket-token.routes.js';
import { DEFAULT_EMULATOR_CLIENT, DEFAULT_EMULATOR_USER } from './emulator-defaults.js';
import { resolveEmulatorOptions } from './emulator-options.js';
import type { AtlassianEmulatorOptions } from './emulator.types.js';
import { EmulatorCallLog } from './server/emulator-call-log.js';
import { EmulatorClock } from './server/emulator-clock.js';
import { EmulatorFaults } from './server/emulator-faults.js';
import { EmulatorRouter } from './server/emulator-router.js';
import { EmulatorServer } from './server/emulator-server.js';

/** The running parts behind an `AtlassianEmulator`. */
export interface EmulatorParts {
  server: EmulatorServer;
  state: EmulatorState;
  faults: EmulatorFaults;
  calls: EmulatorCallLog;
}

/** Build the core (clock, state, faults, call log), mount each host's routes and start listening. */
export async function assembleEmulator(options: AtlassianEmulatorOptions): Promise<EmulatorParts> {
  const resolved = resolveEmulatorOptions(options);
  const clock = new EmulatorClock(resolved.now, resolved.realTimeClock);
  const state = new EmulatorState(
    clock,
    resolved.durations,
    { autoApprove: resolved.autoApprove },
    resolved.bitbucket,
  );
  for (const client of options.clients ?? [DEFAULT_EMULATOR_CLIENT])
    state.directory.registerClient(client);
  for (const consumer of options.bitbucketConsumers ?? [DEFAULT_EMULATOR_BITBUCKET_CONSUMER]) {
    state.directory.registerBitbucketConsumer(consumer);
  }
  for (const user of options.users ?? [DEFAULT_EMULATOR_USER]) state.directory.addUser(user);
  // One server plays every host: their paths do not collide, so a new host is one more mount().
  const router = new EmulatorRouter()
    .mount(atlassianAuthRoutes(state))
    .mount(atlassianTokenRoutes(state))
    .mount(atlassianApiRoutes(state))
    .mount(atlassianProductRoutes(state))
    .mount(bitbucketAuthRoutes(state))
    .mount(bitbucketTokenRoutes(state))
    .mount(bitbucketApiRoutes(state));
  const faults = new EmulatorFaults();
  const calls = new EmulatorCallLog();
  const server = await EmulatorServer.listen(resolved.port, { router, clock, faults, calls });
  return { server, state, faults, calls };
}
