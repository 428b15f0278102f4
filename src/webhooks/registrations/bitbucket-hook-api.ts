import type { ProductClient } from '../../clients/product-client.js';

/** The scope a Bitbucket consumer needs to manage webhooks. */
export const BITBUCKET_WEBHOOK_SCOPE = 'webhook';

/** A hook as Bitbucket answers it (never with its secret). */
interface BitbucketHook {
  uuid: string;
}

/**
 * Bitbucket Cloud's webhooks resource: a repository's (`workspace/repo_slug`) or a workspace's
 * (`workspace`) hooks. No Nest inside.
 */
export class BitbucketHookApi {
  constructor(private readonly bitbucket: ProductClient) {}

  /** The stored form of a hook's subject: `workspace/repo_slug`, or `workspace`. */
  static target(workspace: string, repository?: string): string {
    return repository ? `${workspace}/${repository}` : workspace;
  }

  /** Creates an active hook; its `uuid` (with braces). */
  async create(
    target: string,
    hook: { url: string; description: string; events: string[]; secret: string },
  ): Promise<string> {
    const created = await this.bitbucket.post<BitbucketHook>(hooksPath(target), {
      ...hook,
      active: true,
    });
    return created.uuid;
  }

  /** Deletes a hook. */
  async delete(target: string, uuid: string): Promise<void> {
    await this.bitbucket.delete(`${hooksPath(target)}/${encodeURIComponent(uuid)}`);
  }
}

function hooksPath(target: string): string {
  const [workspace, repository] = target.split('/').map(encodeURIComponent);
  return repository
    ? `/2.0/repositories/${workspace}/${repository}/hooks`
    : `/2.0/workspaces/${workspace}/hooks`;
}
