import { EMULATOR_DEFAULT_DURATIONS } from './emulator-defaults.js';
import type { EmulatorTokenDurations } from './emulator-token-store.js';
import type { AtlassianEmulatorOptions } from './emulator.types.js';

/** Options with defaults applied and checked once, at start. */
export interface ResolvedEmulatorOptions {
  port: number;
  now: Date;
  realTimeClock: boolean;
  autoApprove: boolean;
  durations: EmulatorTokenDurations;
}

/** Apply defaults and fail fast, naming the option, on values that would make the emulator misbehave. */
export function resolveEmulatorOptions(options: AtlassianEmulatorOptions): ResolvedEmulatorOptions {
  const port = options.port ?? 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new RangeError(`AtlassianEmulator: port must be an integer from 0 to 65535 (0 = any free port), got ${port}`);
  }
  const now = options.now ?? new Date();
  if (Number.isNaN(now.getTime())) throw new RangeError('AtlassianEmulator: now must be a valid Date');
  const durations: EmulatorTokenDurations = { ...EMULATOR_DEFAULT_DURATIONS };
  for (const key of Object.keys(durations) as Array<keyof EmulatorTokenDurations>) {
    const value = options[key] ?? durations[key];
    if (!Number.isFinite(value) || value < 0) {
      throw new RangeError(`AtlassianEmulator: ${key} must be a finite number of seconds >= 0, got ${value}`);
    }
    durations[key] = value;
  }
  if (options.clients?.length === 0) throw new RangeError('AtlassianEmulator: clients must not be empty; omit it for the default client');
  return {
    port,
    now,
    realTimeClock: options.realTimeClock ?? false,
    autoApprove: options.autoApprove ?? false,
    durations,
  };
}
