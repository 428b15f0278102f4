import { describe, expect, it } from 'vitest';
import { AtlassianErrorCode } from '../../errors/atlassian.error.js';
import { normalizeWebhooks } from '../../options/normalize-webhooks.js';
import type { NormalizedAtlassianOptions } from '../../options/normalized-options.interface.js';
import { AtlassianWebhookService } from './atlassian-webhook.service.js';

/** Any use of a collaborator fails the test: a missing URL must be refused before anything else. */
const untouchable = new Proxy(
  {},
  {
    get: (_, property) => {
      throw new Error(`touched ${String(property)}`);
    },
  },
);

function serviceWithoutURLs(): AtlassianWebhookService {
  const options = { webhooks: normalizeWebhooks(undefined) } as NormalizedAtlassianOptions;
  const parts = Array.from({ length: 6 }, () => untouchable) as never[];
  return new (AtlassianWebhookService as new (...args: never[]) => AtlassianWebhookService)(
    options as never,
    ...parts,
  );
}

describe('AtlassianWebhookService without delivery URLs', () => {
  it('refuses a Jira registration, naming webhooks.jiraUrl, before reading anything', async () => {
    await expect(
      serviceWithoutURLs().registerJira('a-1', 'c-1', { events: ['x'], jqlFilter: 'project = P' }),
    ).rejects.toMatchObject({
      code: AtlassianErrorCode.WebhookUrlMissing,
      status: 500,
      message: expect.stringContaining('webhooks.jiraUrl'),
    });
  });

  it('refuses a Bitbucket registration, naming webhooks.bitbucketUrl', async () => {
    await expect(
      serviceWithoutURLs().registerBitbucket('a-1', { workspace: 'w', events: ['repo:push'] }),
    ).rejects.toMatchObject({
      code: AtlassianErrorCode.WebhookUrlMissing,
      message: expect.stringContaining('webhooks.bitbucketUrl'),
    });
  });
});
