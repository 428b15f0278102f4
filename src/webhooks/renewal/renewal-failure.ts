import { AtlassianScopeError, AtlassianSiteSelectionError } from '../../errors/api-errors.js';
import { AtlassianConsentRequiredError } from '../../errors/consent-required.error.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { AccountNotLinkedError, AtlassianReauthRequiredError } from '../../errors/token-errors.js';
import { AtlassianWebhookRegistrationError } from '../../errors/webhook-registration.error.js';

/**
 * What a failed renewal means for the registration: `stop` when only the user can fix it (consent
 * again, grant the site or the scopes again), `refused` when Jira will not take it back, `retry`
 * for whatever may pass (network, 5xx, rate limits, a refresh that failed for now).
 */
export type RenewalFailure =
  { kind: 'stop'; reason: string } | { kind: 'refused'; reason: string } | { kind: 'retry' };

export function renewalFailure(err: unknown): RenewalFailure {
  if (
    err instanceof AtlassianReauthRequiredError ||
    err instanceof AtlassianConsentRequiredError ||
    err instanceof AtlassianScopeError ||
    err instanceof AtlassianSiteSelectionError ||
    err instanceof AccountNotLinkedError
  )
    return { kind: 'stop', reason: err.code };
  if (
    err instanceof AtlassianWebhookRegistrationError &&
    err.code === AtlassianErrorCode.WebhookRejected
  )
    return { kind: 'refused', reason: err.message };
  return { kind: 'retry' };
}
