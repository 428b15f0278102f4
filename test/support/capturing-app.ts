import { EventEmitter2, EventEmitterModule } from '@nestjs/event-emitter';
import { CapturingLogger } from './capturing-logger.js';
import { startTestApp, type TestApp, type TestAppSetup } from './test-app.js';

/** A fixture app whose every log line and published event is kept, for tests that look for leaks. */
export interface CapturingApp {
  app: TestApp;
  logger: CapturingLogger;
  /** Each event as `name payload-as-JSON`. */
  events: string[];
}

/** `startTestApp(setup)` on the emulator's clock, with no real retry waits, capturing logs and events. */
export async function startCapturingApp(
  setup: Omit<TestAppSetup, 'logger' | 'now' | 'sleep'>,
): Promise<CapturingApp> {
  const logger = new CapturingLogger();
  const events: string[] = [];
  const app = await startTestApp({
    ...setup,
    now: () => setup.emulator.clock.now(),
    sleep: async () => undefined,
    imports: [...(setup.imports ?? []), EventEmitterModule.forRoot({ wildcard: true })],
    logger,
  });
  app.app
    .get(EventEmitter2)
    .onAny((name, payload) => void events.push(`${String(name)} ${JSON.stringify(payload)}`));
  return { app, logger, events };
}
