import { randomBytes } from 'node:crypto';
import type {
  EmulatorBitbucketPushInput,
  EmulatorBitbucketPushResult,
  EmulatorBitbucketRepository,
  EmulatorBitbucketWorkspace,
} from '../bitbucket.types.js';
import type { EmulatorUser } from '../emulator.types.js';
import type { EmulatorClock } from '../server/emulator-clock.js';

/** Where a push lands: the repository, its workspace, and who pushed. */
export interface PushTarget {
  workspace: EmulatorBitbucketWorkspace;
  repository: EmulatorBitbucketRepository;
  actor: EmulatorUser;
}

/**
 * Builds `repo:push` payloads: one change per push on one branch, with the new head, the previous head this
 * emulator saw on that branch (none for a new branch: `created: true`) and the commits, newest first.
 */
export class BitbucketPushes {
  private readonly heads = new Map<string, string>();

  constructor(private readonly clock: EmulatorClock) {}

  /** The payload of a push to `target`, and what it did to the branch. */
  push(
    target: PushTarget,
    input: EmulatorBitbucketPushInput,
  ): { payload: Record<string, unknown>; result: EmulatorBitbucketPushResult } {
    const { workspace, repository, actor } = target;
    const branch = input.branch ?? 'main';
    const messages = input.commits ?? ['Update from the emulator'];
    const headKey = `${workspace.slug}/${repository.slug}#${branch}`;
    const previousHash = this.heads.get(headKey) ?? null;
    const date = this.clock.now().toISOString();
    const author = { raw: `${actor.name} <${actor.email}>`, type: 'author' };
    const commits = messages
      .map((message) => ({
        type: 'commit',
        hash: randomBytes(20).toString('hex'),
        message,
        date,
        author,
      }))
      .reverse();
    const hash = commits[0]!.hash;
    this.heads.set(headKey, hash);
    const fullName = `${workspace.slug}/${repository.slug}`;
    const html = (path: string) => ({ href: `https://bitbucket.org/${path}` });
    const payload = {
      actor: {
        type: 'user',
        uuid: actor.bitbucket.uuid,
        account_id: actor.accountId,
        display_name: actor.name,
        nickname: actor.bitbucket.nickname,
      },
      repository: {
        type: 'repository',
        uuid: repository.uuid,
        name: repository.name,
        full_name: fullName,
        is_private: repository.is_private,
        workspace: { type: 'workspace', slug: workspace.slug, name: workspace.name },
        links: { html: html(fullName) },
      },
      push: {
        changes: [
          {
            new: { type: 'branch', name: branch, target: commits[0] },
            old:
              previousHash === null
                ? null
                : { type: 'branch', name: branch, target: { type: 'commit', hash: previousHash } },
            created: previousHash === null,
            closed: false,
            forced: false,
            truncated: false,
            commits,
            links: { html: html(`${fullName}/branch/${branch}`) },
          },
        ],
      },
    };
    return { payload, result: { branch, hash, previousHash, hooks: 0 } };
  }
}
