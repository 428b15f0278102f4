import { json, type EmulatorResponse } from '../server/http-helpers.js';
import type { ProductAnswer } from './product-endpoint.js';

/** Jira's 404 for an issue that is not there (or that the caller may not see), word for word. */
export function issueNotFound(): ProductAnswer {
  return answer(
    json(404, {
      errorMessages: ['Issue does not exist or you do not have permission to see it.'],
      errors: {},
    }),
  );
}

/** Jira's 400: general messages and messages per field. */
export function jiraBadRequest(
  errorMessages: string[],
  errors: Record<string, string> = {},
): ProductAnswer {
  return answer(json(400, { errorMessages, errors }));
}

/** A successful write without a body (Jira's 204). */
export function noContent(): ProductAnswer {
  return answer({ status: 204, headers: {}, body: '' });
}

/** An answer that returns `objects` objects (0 for errors and writes). */
export function answer(response: EmulatorResponse, objects = 0): ProductAnswer {
  return { response, objects };
}

/** Jira's timestamp form, e.g. `2026-03-26T16:25:28.490+0000`. */
export function jiraTimestamp(date: Date): string {
  return date.toISOString().replace('Z', '+0000');
}

/** Jira and Confluence clamp out-of-range paging values rather than failing; so does the emulator. */
export function integerParam(
  raw: string | null,
  fallback: number,
  min: number,
  max: number,
): number {
  const value = raw === null ? Number.NaN : Number.parseInt(raw, 10);
  return Number.isNaN(value) ? fallback : Math.min(Math.max(value, min), max);
}
