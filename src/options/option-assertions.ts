import { AtlassianOptionsError } from '../errors/atlassian-options.error.js';

/** Checks that each named number of `values` is finite and at least its minimum. */
export function assertNumbers(
  section: string,
  values: object,
  minimums: Record<string, number>,
): void {
  for (const [key, minimum] of Object.entries(minimums)) {
    const value = (values as Record<string, unknown>)[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value < minimum) {
      throw new AtlassianOptionsError(
        `${section}.${key}`,
        `must be a number of at least ${minimum}; got ${JSON.stringify(value)}.`,
      );
    }
  }
}

export function assertNonEmptyString(option: string, value: unknown, fix: string): void {
  if (typeof value !== 'string' || value.trim() === '')
    throw new AtlassianOptionsError(option, `is missing or empty. ${fix}`);
}

export function assertAbsoluteURL(option: string, value: unknown): void {
  let url: URL | undefined;
  try {
    url = typeof value === 'string' ? new URL(value) : undefined;
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new AtlassianOptionsError(
      option,
      `must be an absolute http(s) URL such as https://app.example.com/auth/atlassian/callback; got ${JSON.stringify(value)}.`,
    );
  }
}

export function assertPositiveInteger(option: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) <= 0)
    throw new AtlassianOptionsError(
      option,
      `must be a positive whole number; got ${JSON.stringify(value)}.`,
    );
}

export function trimSlash(url: string): string {
  return typeof url === 'string' ? url.replace(/\/+$/, '') : url;
}
