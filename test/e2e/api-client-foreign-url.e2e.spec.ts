import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AtlassianApiError, type AtlassianApiClient } from '../../src/index.js';
import { DEFAULT_EMULATOR_CLOUD_IDS, type AtlassianEmulator } from '../../src/testing/index.js';
import { startSignedInApi, type SignedInApi } from '../support/signed-in-api.js';

/** A host that must never hear from the client: it counts connections and the bytes they carry. */
async function listeningDecoy(): Promise<{ server: Server; origin: string; heard: () => number }> {
  let bytes = 0;
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.on('data', (chunk) => (bytes += chunk.length));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return { server, origin: `http://127.0.0.1:${port}`, heard: () => connections + bytes };
}

describe('A token never leaves the product API origin', () => {
  let emulator: AtlassianEmulator;
  let api: AtlassianApiClient;
  let userId: string;
  let signedIn: SignedInApi;
  let decoy: Awaited<ReturnType<typeof listeningDecoy>>;
  const cloudId = DEFAULT_EMULATOR_CLOUD_IDS.acme;

  beforeAll(async () => {
    decoy = await listeningDecoy();
    signedIn = await startSignedInApi();
    ({ emulator, api, userId } = signedIn);
  });
  afterAll(async () => {
    await signedIn?.close();
    decoy?.server.close();
  });

  const jira = () => api.forUser(userId).jira(cloudId);

  it('refuses a paging link to another origin, after the page it came with', async () => {
    emulator.inject({
      route: 'jira',
      status: 200,
      body: { values: [{ id: 'first' }], next: `${decoy.origin}/rest/api/3/project?page=2` },
    });
    const seen: unknown[] = [];
    const error = await (async () => {
      for await (const item of jira().paginateLinks('/rest/api/3/project')) seen.push(item);
    })().catch((err: unknown) => err);

    expect(seen).toEqual([{ id: 'first' }]);
    expect(error).toBeInstanceOf(AtlassianApiError);
    expect(error).toMatchObject({ code: 'atlassian_foreign_url', status: 500 });
    expect((error as Error).message).toContain(`${decoy.origin}/rest/api/3/project`);
    expect((error as Error).message).toContain(`/ex/jira/${cloudId}/`);
    expect((error as Error).message).not.toContain('page=2');
    expect(decoy.heard()).toBe(0);
  });

  it.each([
    ['an absolute URL to another host', () => `${decoy.origin}/rest/api/3/myself`],
    [
      'a protocol-relative URL',
      () => `//${decoy.origin.slice('http://'.length)}/rest/api/3/myself`,
    ],
    ['another site on the same gateway', () => `${emulator.apiBaseURL}/ex/jira/not-this-site/x`],
    ['a path that climbs out of the site', () => '/../../jira/not-this-site/rest/api/3/myself'],
  ])('refuses %s before sending anything', async (_case, target) => {
    const before = emulator.calls.length;
    const error = await jira()
      .get(target())
      .catch((err: unknown) => err);
    expect(error).toMatchObject({ code: 'atlassian_foreign_url', status: 500 });
    expect(emulator.calls.length).toBe(before);
    expect(decoy.heard()).toBe(0);
  });

  it('follows an absolute link under the base, and resolves a relative one against it', async () => {
    const base = `${emulator.apiBaseURL}/ex/jira/${cloudId}`;
    emulator.inject({
      route: 'jira',
      status: 200,
      body: { values: [{ id: 1 }], next: `${base}/rest/api/3/project?page=2` },
    });
    emulator.inject({
      route: 'jira',
      status: 200,
      body: { values: [{ id: 2 }], _links: { next: '/rest/api/3/project?page=3' } },
    });
    emulator.inject({ route: 'jira', status: 200, body: { values: [{ id: 3 }] } });
    const ids: unknown[] = [];
    for await (const item of jira().paginateLinks<{ id: number }>('/rest/api/3/project'))
      ids.push(item.id);
    expect(ids).toEqual([1, 2, 3]);
    expect(emulator.calls.slice(-3).map((call) => call.path)).toEqual([
      `/ex/jira/${cloudId}/rest/api/3/project`,
      `/ex/jira/${cloudId}/rest/api/3/project`,
      `/ex/jira/${cloudId}/rest/api/3/project`,
    ]);
  });
});
