/**
 * Every scope a `@RequireAtlassianScopes()` in this process names: the default incremental-consent
 * allow-list, since these are the scopes the scope guard's consent URLs ask for.
 */
export const declaredAtlassianScopes = new Set<string>();
