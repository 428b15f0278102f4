import type {
  EmulatorBitbucketPushInput,
  EmulatorBitbucketPushResult,
} from '../bitbucket.types.js';
import type { EmulatorBitbucketHookRegistration } from '../webhooks.types.js';
import type { PushTarget } from './bitbucket-push.js';
import type { BitbucketState } from './bitbucket-state.js';

/** The Bitbucket webhook controls of `AtlassianEmulator`: push to a repository, inspect and drop hooks. */
export class BitbucketHookControls {
  constructor(private readonly bitbucket: BitbucketState) {}

  /** Push to `workspace/repoSlug` and deliver `repo:push` to the hooks listening there. */
  push(
    workspace: string,
    repoSlug: string,
    input: EmulatorBitbucketPushInput = {},
  ): EmulatorBitbucketPushResult {
    const target = this.target(workspace, repoSlug, input.actorAccountId);
    const { payload, result } = this.bitbucket.pushes.push(target, input);
    const hooks = this.bitbucket.hookDeliveries.deliver('repo:push', workspace, repoSlug, payload);
    return { ...result, hooks };
  }

  /** Every hook, in creation order. */
  registrations(): EmulatorBitbucketHookRegistration[] {
    return this.bitbucket.hooks.all().map((hook) => ({
      provider: 'bitbucket',
      uuid: hook.uuid,
      workspace: hook.subject.workspace,
      ...(hook.subject.type === 'repository' ? { repository: hook.subject.repoSlug } : {}),
      clientId: hook.clientId,
      accountId: hook.accountId,
      url: hook.url,
      description: hook.description,
      active: hook.active,
      events: hook.events,
      secretSet: hook.secretSet,
      createdAt: new Date(hook.createdAtMs),
    }));
  }

  /** Remove the hook with `uuid` (braces optional), as if someone deleted it in Bitbucket's settings. */
  drop(uuid: string): void {
    if (!this.bitbucket.hooks.remove(uuid)) throw new Error(`dropBitbucketHook: no hook ${uuid}`);
  }

  private target(workspace: string, repoSlug: string, actorAccountId?: string): PushTarget {
    const { directory } = this.bitbucket;
    for (const owner of directory.allUsers()) {
      const space = owner.bitbucket.workspaces.find((entry) => entry.slug === workspace);
      const repository = space?.repositories.find((entry) => entry.slug === repoSlug);
      if (space && repository) {
        const actor = actorAccountId === undefined ? owner : directory.requireUser(actorAccountId);
        return { workspace: space, repository, actor };
      }
    }
    throw new Error(`pushToRepository: no user has a repository ${workspace}/${repoSlug}`);
  }
}
