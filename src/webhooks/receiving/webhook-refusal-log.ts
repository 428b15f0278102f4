import { Logger } from '@nestjs/common';
import { AtlassianWebhookError } from '../../errors/webhook.error.js';

const logger = new Logger('AtlassianWebhooks');

/**
 * Logs why a delivery was refused or failed (its code and message, which never hold a secret, a JWT
 * or the body: Nest logs no 4xx, and an operator needs to see forged or misrouted deliveries), and
 * returns the error to rethrow.
 * @internal
 */
export function logRefusal(provider: string, err: unknown): unknown {
  if (err instanceof AtlassianWebhookError) {
    const line = `${provider} delivery answered ${err.getStatus()} ${err.code}: ${err.message}`;
    if (err.getStatus() >= 500) logger.error(line);
    else logger.warn(line);
  }
  return err;
}
