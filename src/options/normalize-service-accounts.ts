import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { ServiceAccountCredentials } from './atlassian-module-options.interface.js';
import { assertNonEmptyString } from './option-assertions.js';

/** A service account's name is a row id and goes into metrics and errors: short and plain. */
const SERVICE_ACCOUNT_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** Validates `serviceAccounts`: names, and a non-empty client id and secret for each. */
export function normalizeServiceAccounts(
  input: Record<string, ServiceAccountCredentials> | undefined,
): Readonly<Record<string, ServiceAccountCredentials>> {
  if (input === undefined) return Object.freeze({});
  if (input === null || typeof input !== 'object' || Array.isArray(input))
    throw new AtlassianOptionsError(
      'serviceAccounts',
      'must be an object of { [name]: { clientId, clientSecret } }.',
    );
  const accounts: Record<string, ServiceAccountCredentials> = {};
  for (const [name, credentials] of Object.entries(input)) {
    if (!SERVICE_ACCOUNT_NAME.test(name))
      throw new AtlassianOptionsError(
        'serviceAccounts',
        `has the name ${JSON.stringify(name)}: use 1 to 64 letters, digits, '_' or '-'.`,
      );
    const option = `serviceAccounts.${name}`;
    const fix =
      "Copy it from the service account's OAuth 2.0 credential in Atlassian Administration.";
    assertNonEmptyString(`${option}.clientId`, credentials?.clientId, fix);
    assertNonEmptyString(`${option}.clientSecret`, credentials?.clientSecret, fix);
    accounts[name] = { clientId: credentials.clientId, clientSecret: credentials.clientSecret };
  }
  return Object.freeze(accounts);
}
