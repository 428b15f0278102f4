import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiError, type AtlassianApiClient } from '../../src/index.js';
import { DEFAULT_EMULATOR_CLOUD_IDS, type AtlassianEmulator } from '../../src/testing/index.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

describe('API answers that are not what they claim', () => {
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let userId: string;
  let signedIn: SignedInApi;

  beforeAll(async () => {
    signedIn = await startSignedInApi();
    ({ emulator, api, userId } = signedIn);
  });
  afterAll(async () => {
    await signedIn?.close();
  });

  it('turns a 200 labelled JSON that does not parse into a 502 AtlassianApiError', async () => {
    emulator.inject({
      route: 'jira',
      status: 200,
      body: '{"accountId": "cut off',
      headers: { 'content-type': 'application/json;charset=UTF-8' },
    });
    const error = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get('/rest/api/3/myself')
      .catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AtlassianApiError);
    expect(error).toMatchObject({
      code: 'atlassian_api_error',
      status: 502,
      upstreamStatus: 200,
      target: { product: 'jira', method: 'GET', path: expect.stringContaining('/myself') },
    });
    expect((error as Error).message).toContain('not JSON');
    expect((error as Error).cause).toBeInstanceOf(SyntaxError);
  });

  it('hands a body labelled as text back as text', async () => {
    emulator.inject({
      route: 'jira',
      status: 200,
      body: 'plain words',
      headers: { 'content-type': 'text/plain' },
    });
    const text = await api
      .forUser(userId)
      .jira(DEFAULT_EMULATOR_CLOUD_IDS.acme)
      .get('/rest/api/3/myself');
    expect(text).toBe('plain words');
  });
});
