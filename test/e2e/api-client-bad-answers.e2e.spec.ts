import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
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

describe('API answers that never come', () => {
  const TIMEOUT_MS = 400;
  let signedIn: SignedInApi;

  beforeAll(async () => {
    signedIn = await startSignedInApi({
      options: { httpTimeoutMs: TIMEOUT_MS, api: { maxRetries: 1, backoffBaseMs: 10 } },
    });
  });
  afterAll(async () => {
    await signedIn?.close();
  });

  it('gives up on a call after httpTimeoutMs: a read retried once, a write never', async () => {
    const { emulator, api, userId } = signedIn;
    const jira = api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme);
    emulator.resetCalls();
    emulator.setLatency('jira', TIMEOUT_MS * 4);
    try {
      for (const call of [
        () => jira.get('/rest/api/3/myself'),
        () => jira.post('/rest/api/3/issue/ACME-1/comment', { body: 'late' }),
      ]) {
        const startedAt = performance.now();
        const error = await call().catch((err: unknown) => err);
        const tookMs = performance.now() - startedAt;
        expect(error).toBeInstanceOf(AtlassianApiError);
        expect((error as Error).message).toContain(`timed out after ${TIMEOUT_MS} ms`);
        // Never before the timeout, and not held until the slow answer came.
        expect(tookMs).toBeGreaterThanOrEqual(TIMEOUT_MS);
        expect(tookMs).toBeLessThan(TIMEOUT_MS * 4 * 2);
      }
      // The emulator logs a call when it answers it, after its latency.
      await vi.waitFor(() => expect(emulator.count('jira')).toBe(3), { timeout: TIMEOUT_MS * 10 });
    } finally {
      emulator.setLatency('jira', 0);
    }
  });

  it('holds the whole answer to httpTimeoutMs: a body that stalls after the headers is a 502 AtlassianApiError', async () => {
    const { emulator, api, userId } = signedIn;
    const jira = api.forUser(userId).jira(DEFAULT_EMULATOR_CLOUD_IDS.acme);
    emulator.inject({ route: 'jira', stallBodyMs: TIMEOUT_MS * 4 });
    const startedAt = performance.now();
    const error = await jira.get('/rest/api/3/myself').catch((err: unknown) => err);
    const tookMs = performance.now() - startedAt;
    expect(error).toBeInstanceOf(AtlassianApiError);
    expect(error).toMatchObject({ code: 'atlassian_api_error', status: 502, upstreamStatus: 200 });
    expect((error as Error).message).toContain(`timed out after ${TIMEOUT_MS} ms while reading`);
    expect(tookMs).toBeLessThan(TIMEOUT_MS * 4);
    // The next call gets a whole answer: the stalled connection was not handed back half read.
    expect(await jira.get('/rest/api/3/myself')).toMatchObject({ accountId: expect.any(String) });
  });
});
