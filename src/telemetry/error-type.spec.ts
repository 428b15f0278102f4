import { describe, expect, it } from 'vitest';
import { AtlassianReauthRequiredError } from '../errors/token-errors.js';
import { ProviderHttpError } from '../providers/provider-http.js';
import { errorType } from './error-type.js';

describe('errorType', () => {
  it.each([
    [
      'a stable code',
      new AtlassianReauthRequiredError('a1', 'atlassian', 'invalid_grant'),
      'reauth_required',
    ],
    [
      'a standard OAuth error',
      new ProviderHttpError('refused', 403, 'invalid_grant', 'token endpoint answered 403'),
      'invalid_grant',
    ],
    [
      'the status, for an OAuth error outside the standard',
      new ProviderHttpError('refused', 400, 'Bearer secret-looking text', 'answered 400'),
      '400',
    ],
    [
      'timeout',
      new ProviderHttpError('transient', undefined, undefined, 'timed out', {
        cause: new DOMException('t', 'TimeoutError'),
      }),
      'timeout',
    ],
    [
      "a network error's code",
      new TypeError('fetch failed', {
        cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }),
      }),
      'ECONNREFUSED',
    ],
    ['the class name', new RangeError('the message with provider text'), 'RangeError'],
    ['_OTHER for anything else', 'a thrown string', '_OTHER'],
  ])('%s', (_what, err, type) => {
    expect(errorType(err)).toBe(type);
  });
});
