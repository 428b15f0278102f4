import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';
import type { AtlassianProviderOptions } from './atlassian-module-options.interface.js';
import type { NormalizedProviderOptions } from './normalized-options.interface.js';
import { assertAbsoluteURL, assertNonEmptyString, trimSlash } from './option-assertions.js';

/** The endpoint facts normalisation needs from a provider definition. */
export interface ProviderDefaults {
  defaultAuthBaseURL: string;
  defaultApiBaseURL: string;
  authorizePath: string;
  tokenPath: string;
  requiredScopes?: readonly string[];
}

/** Validates one provider's client options and derives its endpoints from the provider's defaults. */
export function normalizeProvider(
  name: string,
  input: AtlassianProviderOptions | undefined,
  defaults: ProviderDefaults,
): NormalizedProviderOptions {
  if (!input || typeof input !== 'object') {
    throw new AtlassianOptionsError(
      name,
      'is missing: give { clientId, clientSecret, callbackURL } from your OAuth app.',
    );
  }
  assertNonEmptyString(
    `${name}.clientId`,
    input.clientId,
    'Copy the client id from your app in the developer console.',
  );
  assertNonEmptyString(
    `${name}.clientSecret`,
    input.clientSecret,
    'Copy the secret from your app in the developer console.',
  );
  assertAbsoluteURL(`${name}.callbackURL`, input.callbackURL);
  const authBaseURL = trimSlash(input.authBaseURL ?? defaults.defaultAuthBaseURL);
  const apiBaseURL = trimSlash(input.apiBaseURL ?? defaults.defaultApiBaseURL);
  const authorizationURL = input.authorizationURL ?? authBaseURL + defaults.authorizePath;
  const tokenURL = input.tokenURL ?? authBaseURL + defaults.tokenPath;
  for (const [option, value] of Object.entries({
    authBaseURL,
    apiBaseURL,
    authorizationURL,
    tokenURL,
  })) {
    assertAbsoluteURL(`${name}.${option}`, value);
  }
  assertScopeList(`${name}.scope`, input.scope);
  assertScopeList(`${name}.incrementalScopes`, input.incrementalScopes);
  return {
    clientId: input.clientId,
    clientSecret: input.clientSecret,
    callbackURL: input.callbackURL,
    scope: [...new Set([...(defaults.requiredScopes ?? []), ...(input.scope ?? [])])],
    pkce: input.pkce ?? true,
    incrementalScopes: input.incrementalScopes ?? null,
    authorizationURL,
    tokenURL,
    apiBaseURL,
    loginPath:
      input.loginPath ?? (new URL(input.callbackURL).pathname.replace(/\/[^/]*\/?$/, '') || '/'),
  };
}

function assertScopeList(option: string, value: unknown): void {
  if (
    value !== undefined &&
    (!Array.isArray(value) || value.some((s) => typeof s !== 'string' || /\s/.test(s) || s === ''))
  ) {
    throw new AtlassianOptionsError(
      option,
      "must be an array of scope names without spaces, e.g. ['read:jira-work'].",
    );
  }
}
