import { describe, expect, it } from 'vitest';
import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import { normalizeServiceAccounts } from './normalize-service-accounts.js';

describe('normalizeServiceAccounts', () => {
  it('keeps valid credentials by name, and is empty without the option', () => {
    expect(normalizeServiceAccounts(undefined)).toEqual({});
    expect(
      normalizeServiceAccounts({ 'release-bot_2': { clientId: 'id', clientSecret: 'secret' } }),
    ).toEqual({ 'release-bot_2': { clientId: 'id', clientSecret: 'secret' } });
  });

  it.each([
    [{ 'has space': { clientId: 'id', clientSecret: 's' } }, 'serviceAccounts', 'has the name'],
    [{ ['x'.repeat(65)]: { clientId: 'id', clientSecret: 's' } }, 'serviceAccounts', '1 to 64'],
    [{ robot: { clientId: '', clientSecret: 's' } }, 'serviceAccounts.robot.clientId', 'empty'],
    [
      { robot: { clientId: 'id', clientSecret: ' ' } },
      'serviceAccounts.robot.clientSecret',
      'empty',
    ],
    [{ robot: null }, 'serviceAccounts.robot.clientId', 'missing'],
    [[], 'serviceAccounts', 'must be an object'],
  ])('refuses %j, naming %s', (input, option, says) => {
    const make = () => normalizeServiceAccounts(input as never);
    expect(make).toThrow(AtlassianOptionsError);
    expect(make).toThrow(option);
    expect(make).toThrow(says);
  });

  it('never puts a secret in its message', () => {
    const make = () =>
      normalizeServiceAccounts({ 'bad name': { clientId: 'id', clientSecret: 'top-secret' } });
    expect(make).toThrow(AtlassianOptionsError);
    expect(make).not.toThrow('top-secret');
  });
});
