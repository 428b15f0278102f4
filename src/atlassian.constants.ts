/** Injection token of the normalised, validated module options. */
export const ATLASSIAN_OPTIONS = Symbol('ATLASSIAN_OPTIONS');

/** Metadata key of the scopes a route needs (`@RequireAtlassianScopes`). */
export const REQUIRED_ATLASSIAN_SCOPES = 'nestjs-atlassian:required-scopes';
