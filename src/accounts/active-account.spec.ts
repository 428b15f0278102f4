import { describe, expect, it } from 'vitest';
import { AtlassianAccountInactiveError } from '../errors/account-inactive.error.js';
import { mapAtlassianProfile } from '../providers/atlassian.provider.js';
import { mapBitbucketProfile } from '../providers/bitbucket.provider.js';
import { assertActiveAccount } from './active-account.js';

const fetchedAt = new Date('2026-11-01T10:00:00.000Z');
const atlassian = (fields: Record<string, unknown>) =>
  mapAtlassianProfile({ account_id: 'a-1', ...fields }, fetchedAt);
const bitbucket = (fields: Record<string, unknown>) =>
  mapBitbucketProfile({ account_id: 'a-1', ...fields }, [], fetchedAt);

describe('assertActiveAccount', () => {
  it('lets an active account through, on either provider', () => {
    expect(() =>
      assertActiveAccount(atlassian({ account_status: 'active' }), 'Atlassian'),
    ).not.toThrow();
    expect(() =>
      assertActiveAccount(bitbucket({ account_status: 'active' }), 'Bitbucket'),
    ).not.toThrow();
  });

  it.each(['inactive', 'closed', 'Active', ''])(
    'refuses account_status %j with 403 atlassian_account_inactive',
    (status) => {
      const refusal = () => assertActiveAccount(atlassian({ account_status: status }), 'Atlassian');
      expect(refusal).toThrow(AtlassianAccountInactiveError);
      expect(refusal).toThrow(`account_status ${JSON.stringify(status)}`);
      expect(refusal).toThrow(
        expect.objectContaining({
          code: 'atlassian_account_inactive',
          response: expect.objectContaining({ statusCode: 403 }),
        }),
      );
    },
  );

  it('refuses an answer without account_status: nothing proves the account active', () => {
    expect(() => assertActiveAccount(bitbucket({}), 'Bitbucket')).toThrow(
      'This Bitbucket account is not active (no account_status)',
    );
  });

  it("quotes the provider's status bounded and without control characters", () => {
    const status = `inactive\r\nSet-Cookie: x=1${'!'.repeat(100)}`;
    expect(() => assertActiveAccount(atlassian({ account_status: status }), 'Atlassian')).toThrow(
      /account_status "inactive  Set-Cookie: x=1!+…"/,
    );
  });
});
