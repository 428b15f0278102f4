import { HttpException } from '@nestjs/common';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AccountOwnedByAnotherUserError } from './account-conflict.error.js';
import { AtlassianAccountInactiveError } from './account-inactive.error.js';
import {
  AtlassianApiError,
  foreignURLError,
  AtlassianRateLimitError,
  AtlassianScopeError,
  AtlassianSiteSelectionError,
  type ApiCallTarget,
} from './api-errors.js';
import { AtlassianOptionsError } from './atlassian-options.error.js';
import { AtlassianError, AtlassianErrorCode } from './atlassian.error.js';
import { AtlassianConsentRequiredError } from './consent-required.error.js';
import { OAuthCallbackError, OAuthProviderError } from './oauth-callback.error.js';
import { TokenCipherError } from './token-cipher.error.js';
import { AtlassianWebhookError } from './webhook.error.js';
import { AtlassianServiceAccountError } from './service-account.error.js';
import { AtlassianWebhookRegistrationError } from './webhook-registration.error.js';
import {
  AccountNotLinkedError,
  AtlassianReauthRequiredError,
  AtlassianTokenRefreshError,
  AtlassianTokenStoreError,
} from './token-errors.js';

const target: ApiCallTarget = { product: 'jira', cloudId: 'c-1', method: 'GET', path: '/x' };
const C = AtlassianErrorCode;

/** Each code as the package throws it: the class, and the status the class gives it. */
const thrown: { [K in AtlassianErrorCode]: (upstreamStatus?: number) => Error } = {
  [C.AccessDenied]: () => new OAuthCallbackError(C.AccessDenied, 'declined'),
  [C.AuthorizationError]: () => new OAuthCallbackError(C.AuthorizationError, 'error='),
  [C.MissingCode]: () => new OAuthCallbackError(C.MissingCode, 'no code'),
  [C.InvalidRequest]: () => new OAuthCallbackError(C.InvalidRequest, 'repeated'),
  [C.ScopeNotAllowed]: () => new OAuthCallbackError(C.ScopeNotAllowed, 'not allowed'),
  [C.StateCookieMissing]: () => new OAuthCallbackError(C.StateCookieMissing, 'no cookie'),
  [C.StateMismatch]: () => new OAuthCallbackError(C.StateMismatch, 'mismatch'),
  [C.StateInvalid]: () => new OAuthCallbackError(C.StateInvalid, 'altered'),
  [C.StateExpired]: () => new OAuthCallbackError(C.StateExpired, 'expired'),
  [C.StateReplayed]: () => new OAuthCallbackError(C.StateReplayed, 'replayed'),
  [C.LinkUserMismatch]: () => new OAuthCallbackError(C.LinkUserMismatch, 'other user'),
  [C.CodeRejected]: () => new OAuthCallbackError(C.CodeRejected, 'refused'),
  [C.ProviderUnavailable]: () => new OAuthProviderError(C.ProviderUnavailable, 'down'),
  [C.ProfileFetchFailed]: () => new OAuthProviderError(C.ProfileFetchFailed, 'no profile'),
  [C.AccountInactive]: () => new AtlassianAccountInactiveError('Atlassian', 'inactive'),
  [C.AccountOwnedByAnotherUser]: () => new AccountOwnedByAnotherUserError('atlassian'),
  [C.AccountNotLinked]: () => new AccountNotLinkedError('atlassian'),
  [C.ReauthRequired]: () => new AtlassianReauthRequiredError('a-1', 'atlassian', 'invalid_grant'),
  [C.TokenRefreshFailed]: () =>
    new AtlassianTokenRefreshError('a-1', 'atlassian', new Date(0), 'timeout'),
  [C.TokenStoreUnavailable]: () => new AtlassianTokenStoreError('reading', { cause: new Error() }),
  [C.CiphertextInvalid]: () => new TokenCipherError(C.CiphertextInvalid, 'tampered'),
  [C.UnknownEncryptionKey]: () => new TokenCipherError(C.UnknownEncryptionKey, 'key gone'),
  [C.ApiError]: (upstreamStatus) => new AtlassianApiError(target, upstreamStatus, 'failed'),
  [C.ScopeMissing]: () => new AtlassianScopeError(target, ['write:jira-work'], []),
  [C.RateLimited]: () => new AtlassianRateLimitError(target, 429, new Date(0)),
  [C.ForeignURL]: () => foreignURLError(target, 'https://api.atlassian.com/ex/jira/c-1/'),
  [C.SiteRequired]: () => new AtlassianSiteSelectionError(C.SiteRequired, 'jira', [], 'choose'),
  [C.SiteNotFound]: () => new AtlassianSiteSelectionError(C.SiteNotFound, 'jira', [], 'gone'),
  [C.ServiceAccountUnknown]: () =>
    new AtlassianServiceAccountError(C.ServiceAccountUnknown, 'robot', 'unknown'),
  [C.ServiceAccountRefused]: () =>
    new AtlassianServiceAccountError(C.ServiceAccountRefused, 'robot', 'refused'),
  [C.ScopesRequired]: () =>
    new AtlassianConsentRequiredError(C.ScopesRequired, 'missing', ['write:jira-work'], '/auth'),
  [C.AccountRequired]: () =>
    new AtlassianConsentRequiredError(C.AccountRequired, 'no account', [], '/auth'),
  [C.WebhookSignatureInvalid]: () => new AtlassianWebhookError(C.WebhookSignatureInvalid, 401, 'x'),
  [C.WebhookSignatureExpired]: () => new AtlassianWebhookError(C.WebhookSignatureExpired, 401, 'x'),
  [C.WebhookPayloadTooLarge]: () => new AtlassianWebhookError(C.WebhookPayloadTooLarge, 413, 'x'),
  [C.WebhookDeliveryInvalid]: () => new AtlassianWebhookError(C.WebhookDeliveryInvalid, 400, 'x'),
  [C.WebhookDeliveryInProgress]: () =>
    new AtlassianWebhookError(C.WebhookDeliveryInProgress, 409, 'x'),
  [C.WebhookHandlerFailed]: () => new AtlassianWebhookError(C.WebhookHandlerFailed, 500, 'x'),
  [C.WebhookStoreUnavailable]: () => new AtlassianWebhookError(C.WebhookStoreUnavailable, 503, 'x'),
  [C.WebhookReceiverMisconfigured]: () =>
    new AtlassianWebhookError(C.WebhookReceiverMisconfigured, 500, 'x'),
  [C.WebhookLimitReached]: () => new AtlassianWebhookRegistrationError(C.WebhookLimitReached, '5'),
  [C.WebhookUrlMissing]: () => new AtlassianWebhookRegistrationError(C.WebhookUrlMissing, 'url'),
  [C.WebhookScopesMissing]: () =>
    new AtlassianWebhookRegistrationError(C.WebhookScopesMissing, 'scopes', ['webhook']),
  [C.WebhookRejected]: () => new AtlassianWebhookRegistrationError(C.WebhookRejected, 'jql'),
  [C.WebhookRegistrationNotFound]: () =>
    new AtlassianWebhookRegistrationError(C.WebhookRegistrationNotFound, 'gone'),
  [C.InvalidOptions]: () => new AtlassianOptionsError('atlassian.clientId', 'is required.'),
};

interface ReadmeRow {
  code: string;
  className: string;
  status: string;
}

/** The rows of the README's error table, between its markers. */
function readmeRows(): ReadmeRow[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const table = /<!-- error-codes:start -->\n([\s\S]*?)<!-- error-codes:end -->/.exec(readme);
  if (!table) throw new Error('README.md has no <!-- error-codes:start/end --> table');
  return table[1]
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => {
      const [code, className, status] = line.split(' | ').map((cell) => cell.replace(/^\| /, ''));
      return { code: code.replace(/`/g, ''), className: className.replace(/`/g, ''), status };
    });
}

/** Each code's doc comment where it is defined. */
function codeDocs(): Map<string, string> {
  const source = readFileSync(new URL('./atlassian.error.ts', import.meta.url), 'utf8');
  const docs = new Map<string, string>();
  for (const [, doc, code] of source.matchAll(/\/\*\*((?:(?!\*\/)[\s\S])*)\*\/\s*\w+: '(\w+)',/g))
    docs.set(code, doc.replace(/\s*\n\s*\*\s*/g, ' ').trim());
  return docs;
}

const rows = readmeRows();

describe('the error codes', () => {
  it("README's table lists every code exactly once, and nothing else", () => {
    const listed = rows.map((row) => row.code);
    expect(new Set(listed).size).toBe(listed.length);
    expect([...listed].sort()).toEqual(Object.values(AtlassianErrorCode).sort());
  });

  it.each(rows)(
    '$code: the class and the status in the README are what the package throws',
    (row) => {
      const make = thrown[row.code as AtlassianErrorCode];
      const error = make(404);
      expect(error.name).toBe(row.className);
      expect(error.constructor.name).toBe(row.className);
      expect((error as { code?: string }).code).toBe(row.code);
      const statusOf = (e: Error) => (e instanceof HttpException ? e.getStatus() : undefined);
      if (/^\d{3}$/.test(row.status)) {
        expect(error).toBeInstanceOf(AtlassianError);
        expect(statusOf(error)).toBe(Number(row.status));
        expect((error as AtlassianError).getResponse()).toMatchObject({
          statusCode: Number(row.status),
          code: row.code,
        });
      } else if (row.status === 'upstream 4xx, else 502') {
        expect([404, 422, 500, 503, undefined].map((status) => statusOf(make(status)))).toEqual([
          404, 422, 502, 502, 502,
        ]);
      } else if (row.status === 'bare 500') {
        // Not an HttpException: Nest's filter answers `{ statusCode: 500, message }` and logs it.
        expect(error).not.toBeInstanceOf(HttpException);
      } else if (row.status === '—') {
        // Thrown at boot, before there is a client; the base status if it ever got that far.
        expect(statusOf(error)).toBe(500);
      } else {
        throw new Error(`unknown status "${row.status}" for ${row.code} in README.md`);
      }
    },
  );

  it.each(rows)('$code is documented where it is defined, with its class and status', (row) => {
    const doc = codeDocs().get(row.code);
    expect(doc, `no doc comment above ${row.code}`).toBeDefined();
    expect(doc).toContain(`{@link ${row.className}}`);
    if (/^\d{3}$/.test(row.status)) expect(doc!.startsWith(`${row.status}, `)).toBe(true);
    if (row.status === 'bare 500') expect(doc).toContain('a bare 500');
    if (row.status.startsWith('upstream'))
      expect(doc!.startsWith('The upstream 4xx, else 502')).toBe(true);
  });
});

describe('TokenCipherError', () => {
  it('is a plain Error with a code, a name and its cause, and no HTTP response', () => {
    const cause = new Error('unsupported state or unable to authenticate data');
    const error = new TokenCipherError(C.CiphertextInvalid, 'Ciphertext failed authentication.', {
      cause,
    });
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(HttpException);
    expect(error).not.toBeInstanceOf(AtlassianError);
    expect(error).toMatchObject({ name: 'TokenCipherError', code: C.CiphertextInvalid, cause });
    expect(String(error)).toBe('TokenCipherError: Ciphertext failed authentication.');
  });

  it('keeps its key hint out of the refresh error a client may see, and keeps it as the cause', () => {
    const cause = new TokenCipherError(
      C.UnknownEncryptionKey,
      'Ciphertext was encrypted with key "old", which is not in encryptionKeys: keep old keys.',
    );
    const error = new AtlassianTokenRefreshError('a-1', 'atlassian', new Date(0), cause.message, {
      cause,
    });
    const body = JSON.stringify(error.getResponse());
    expect(body).toContain('token_refresh_failed');
    expect(body).not.toMatch(/old|encryptionKeys|Ciphertext/);
    expect(error.cause).toBe(cause);
  });
});
