/**
 * Injection token of the normalised, validated module options.
 * @internal Inject the options with `@InjectAtlassianOptions()`.
 */
export const ATLASSIAN_OPTIONS = Symbol('ATLASSIAN_OPTIONS');

/**
 * Metadata key of the scopes a route needs (`@RequireAtlassianScopes`).
 * @internal
 */
export const REQUIRED_ATLASSIAN_SCOPES = 'nestjs-atlassian:required-scopes';
