import type { Request as ExpressRequest } from 'express';
import type { FastifyRequest } from 'fastify';
import { describe, expectTypeOf, it } from 'vitest';
import type { GetCurrentUserId } from '../options/atlassian-module-options.interface.js';
import type { AppRequest } from './app-request.interface.js';

// Checked by the compiler (npm test runs tsc first): a mismatch fails to build.
describe('AppRequest', () => {
  it('is a part of the Express and the Fastify request', () => {
    expectTypeOf<ExpressRequest>().toExtend<AppRequest>();
    expectTypeOf<FastifyRequest>().toExtend<AppRequest>();
  });

  it('lets getCurrentUserId be typed with either adapter request', () => {
    expectTypeOf<(req: ExpressRequest) => string | undefined>().toExtend<GetCurrentUserId>();
    expectTypeOf<
      (req: FastifyRequest) => Promise<string | undefined>
    >().toExtend<GetCurrentUserId>();
    expectTypeOf<(req: { session: string }) => string>().not.toExtend<GetCurrentUserId>();
  });
});
