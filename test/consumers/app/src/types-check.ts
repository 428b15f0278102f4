/**
 * Compiled with `skipLibCheck: false` (tsconfig.types.json) in an app that has neither express's
 * types nor jira.js: the declarations of the three entry points load, and no export is `any`.
 */
import * as atlassian from 'nestjs-atlassian';
import * as health from 'nestjs-atlassian/health';
import * as testing from 'nestjs-atlassian/testing';

/** The names of `M`'s exports whose type is `any`. */
type AnyExports<M> = { [K in keyof M]: 0 extends 1 & M[K] ? K : never }[keyof M];
type NoAny<M> = [AnyExports<M>] extends [never] ? true : AnyExports<M>;

export const noAnyExports: [NoAny<typeof atlassian>, NoAny<typeof health>, NoAny<typeof testing>] =
  [true, true, true];
