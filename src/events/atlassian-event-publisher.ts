import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

interface Emitter {
  emit(event: string, payload: unknown): boolean;
  emitAsync(event: string, payload: unknown): Promise<unknown[]>;
}

/**
 * Publishes this package's events on the host's `EventEmitter2` when the host imports
 * `EventEmitterModule.forRoot()`; otherwise does nothing. `@nestjs/event-emitter` stays optional.
 */
@Injectable()
export class AtlassianEventPublisher implements OnModuleInit {
  private readonly logger = new Logger('AtlassianEventPublisher');
  private emitter: Emitter | undefined;

  constructor(private readonly moduleRef: ModuleRef) {}

  async onModuleInit(): Promise<void> {
    try {
      const { EventEmitter2 } = await import('@nestjs/event-emitter');
      this.emitter = this.moduleRef.get(EventEmitter2, { strict: false });
    } catch {
      this.emitter = undefined;
    }
  }

  /** Emits `payload` (ids and dates only) under `event`; a listener's error is logged, never thrown. */
  publish(event: string, payload: object): void {
    try {
      this.emitter?.emit(event, payload);
    } catch (err) {
      this.logger.warn(`A listener of ${event} failed: ${(err as Error).message}`);
    }
  }

  /**
   * Emits `payload` under `event` and waits for every listener (`emitAsync`), so that a listener's
   * error (one registered with `suppressErrors: false`) reaches the caller. False without an emitter.
   */
  async dispatch(event: string, payload: object): Promise<boolean> {
    if (!this.emitter) return false;
    await this.emitter.emitAsync(event, payload);
    return true;
  }
}
