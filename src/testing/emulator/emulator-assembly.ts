import { atlassianApiRoutes } from './atlassian/atlassian-api.routes.js';
import { AtlassianControls } from './atlassian/atlassian-controls.js';
import { atlassianAuthRoutes } from './atlassian/atlassian-auth.routes.js';
import { atlassianProductRoutes } from './atlassian/atlassian-product.routes.js';
import { AtlassianState } from './atlassian/atlassian-state.js';
import { atlassianTokenRoutes } from './atlassian/atlassian-token.routes.js';
import { DEFAULT_EMULATOR_BITBUCKET_CONSUMER } from './bitbucket-defaults.js';
import { bitbucketApiRoutes } from './bitbucket/bitbucket-api.routes.js';
import { bitbucketAuthRoutes } from './bitbucket/bitbucket-auth.routes.js';
import { bitbucketHookRoutes } from './bitbucket/bitbucket-hook.routes.js';
import { BitbucketState } from './bitbucket/bitbucket-state.js';
import { bitbucketTokenRoutes } from './bitbucket/bitbucket-token.routes.js';
import { DEFAULT_EMULATOR_CLIENT, DEFAULT_EMULATOR_USER } from './emulator-defaults.js';
import { resolveEmulatorOptions } from './emulator-options.js';
import { createEmulatorUser } from './emulator-user.js';
import type { AtlassianEmulatorOptions } from './emulator.types.js';
import { EmulatorDirectory } from './oauth/emulator-directory.js';
import type { SharedState } from './oauth/shared-state.js';
import { EmulatorCallLog } from './server/emulator-call-log.js';
import { EmulatorClock } from './server/emulator-clock.js';
import { EmulatorFaults } from './server/emulator-faults.js';
import { EmulatorRouter } from './server/emulator-router.js';
import { EmulatorServer } from './server/emulator-server.js';
import { WebhookSender } from './webhooks/webhook-sender.js';

/** The running parts behind an `AtlassianEmulator`. */
export interface EmulatorParts {
  server: EmulatorServer;
  shared: SharedState;
  atlassian: AtlassianState;
  bitbucket: BitbucketState;
  faults: EmulatorFaults;
  calls: EmulatorCallLog;
  webhooks: WebhookSender;
}

/** Build the shared core and each provider's state, mount each host's routes and start listening. */
export async function assembleEmulator(options: AtlassianEmulatorOptions): Promise<EmulatorParts> {
  const resolved = resolveEmulatorOptions(options);
  const shared: SharedState = {
    clock: new EmulatorClock(resolved.now, resolved.realTimeClock),
    directory: new EmulatorDirectory(createEmulatorUser),
    behaviour: { autoApprove: resolved.autoApprove },
  };
  // One sender for both providers, so settleWebhooks() and stop() cover every delivery.
  const webhooks = new WebhookSender(shared.clock, resolved.webhooks.timeoutMs);
  const delivery = { sender: webhooks, retryDelaysMs: resolved.webhooks.retryDelaysMs };
  const atlassian = new AtlassianState(shared, resolved.durations, delivery);
  const bitbucket = new BitbucketState(shared, resolved.bitbucket, delivery);
  for (const client of options.clients ?? [DEFAULT_EMULATOR_CLIENT])
    atlassian.clients.register(client);
  for (const consumer of options.bitbucketConsumers ?? [DEFAULT_EMULATOR_BITBUCKET_CONSUMER])
    bitbucket.consumers.register(consumer);
  for (const user of options.users ?? [DEFAULT_EMULATOR_USER]) shared.directory.addUser(user);
  // After the users: a service account may name one of their sites by cloudId.
  for (const account of options.serviceAccounts ?? [])
    new AtlassianControls(atlassian).registerServiceAccount(account);
  atlassian.rateLimits.configure(resolved.rateLimits);
  // One server plays every host: their paths do not collide, so a new endpoint family is one more mount().
  const router = new EmulatorRouter()
    .mount(atlassianAuthRoutes(atlassian))
    .mount(atlassianTokenRoutes(atlassian))
    .mount(atlassianApiRoutes(atlassian))
    .mount(atlassianProductRoutes(atlassian))
    .mount(bitbucketAuthRoutes(bitbucket))
    .mount(bitbucketTokenRoutes(bitbucket))
    .mount(bitbucketApiRoutes(bitbucket))
    .mount(bitbucketHookRoutes(bitbucket));
  const faults = new EmulatorFaults();
  const calls = new EmulatorCallLog();
  const server = await EmulatorServer.listen(resolved.port, {
    router,
    clock: shared.clock,
    faults,
    calls,
  });
  return { server, shared, atlassian, bitbucket, faults, calls, webhooks };
}
