/** Injection token of the normalised, validated module options. */
export const ATLASSIAN_OPTIONS = Symbol('ATLASSIAN_OPTIONS');
