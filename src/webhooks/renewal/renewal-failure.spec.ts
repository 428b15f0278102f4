import { describe, expect, it } from 'vitest';
import {
  AtlassianApiError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  type ApiCallTarget,
} from '../../errors/api-errors.js';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import {
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
} from '../../errors/token-errors.js';
import { AtlassianWebhookRegistrationError } from '../../errors/webhook-registration.error.js';
import { renewalFailure } from './renewal-failure.js';

const target: ApiCallTarget = { product: 'jira', cloudId: 'c', method: 'PUT', path: '/x' };

describe('renewalFailure', () => {
  it('stops when only the user can fix it', () => {
    expect(renewalFailure(new AtlassianReauthRequiredError('a', 'atlassian', 'x'))).toEqual({
      kind: 'stop',
      reason: 'reauth_required',
    });
    expect(renewalFailure(new AtlassianScopeError(target, ['manage:jira-webhook'], []))).toEqual({
      kind: 'stop',
      reason: 'atlassian_scope_missing',
    });
  });

  it('fails the registration when Jira refuses to take it back', () => {
    const refused = new AtlassianWebhookRegistrationError(
      AtlassianErrorCode.WebhookRejected,
      'Jira refused the webhook: bad JQL',
    );
    expect(renewalFailure(refused)).toEqual({ kind: 'refused', reason: refused.message });
  });

  it('retries later whatever may pass', () => {
    for (const err of [
      new AtlassianApiError(target, 503, 'down'),
      new AtlassianApiError(target, undefined, 'network error'),
      new AtlassianRateLimitError(target, 429, new Date(0)),
      new AtlassianTokenRefreshError('a', 'atlassian', new Date(0), 'timeout'),
      new Error('connection reset'),
    ]) {
      expect(renewalFailure(err)).toEqual({ kind: 'retry' });
    }
  });
});
