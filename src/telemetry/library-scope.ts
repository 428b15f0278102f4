/**
 * The instrumentation scope every meter and tracer of this package is acquired under: the package's
 * name and version, so that a backend can tell its telemetry (and its version) from the app's.
 */
export const LIBRARY_SCOPE = {
  name: 'nestjs-atlassian',
  /** Kept equal to package.json's version by library-scope.spec.ts. */
  version: '0.1.0',
} as const;
