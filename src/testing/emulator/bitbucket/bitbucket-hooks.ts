import { randomUUID } from 'node:crypto';
import type { EmulatorClock } from '../server/emulator-clock.js';

/** Event keys a Bitbucket Cloud webhook may subscribe to (the webhook module's allowed values). */
export const BITBUCKET_HOOK_EVENTS: readonly string[] = [
  'issue:comment_created',
  'issue:created',
  'issue:updated',
  'project:updated',
  'pullrequest:approved',
  'pullrequest:comment_created',
  'pullrequest:comment_deleted',
  'pullrequest:comment_reopened',
  'pullrequest:comment_resolved',
  'pullrequest:comment_updated',
  'pullrequest:created',
  'pullrequest:fulfilled',
  'pullrequest:rejected',
  'pullrequest:superseded',
  'pullrequest:unapproved',
  'pullrequest:updated',
  'pullrequest:changes_request_created',
  'pullrequest:changes_request_removed',
  'repo:commit_comment_created',
  'repo:commit_status_created',
  'repo:commit_status_updated',
  'repo:created',
  'repo:deleted',
  'repo:fork',
  'repo:imported',
  'repo:push',
  'repo:transfer',
  'repo:updated',
];

/** What a hook is installed on: one repository, or a whole workspace (every repository in it). */
export type BitbucketHookSubject =
  | { type: 'repository'; workspace: string; repoSlug: string; name: string; uuid: string }
  | { type: 'workspace'; workspace: string; name: string };

/** A hook as the emulator keeps it; its secret never leaves through the API. */
export interface BitbucketHook {
  /** `{…}`, braces included, as the API answers it. */
  uuid: string;
  subject: BitbucketHookSubject;
  url: string;
  description: string;
  active: boolean;
  events: string[];
  /** Absent when none was set: deliveries then carry no `X-Hub-Signature`. */
  secret?: string;
  createdAtMs: number;
  /** The consumer and user that created it (for inspection). */
  clientId: string;
  accountId: string;
}

/** The fields a hook is created with. */
export type NewBitbucketHook = Omit<BitbucketHook, 'uuid' | 'createdAtMs'>;

/** Every repository and workspace hook, in creation order. */
export class BitbucketHookStore {
  private readonly hooks: BitbucketHook[] = [];

  constructor(private readonly clock: EmulatorClock) {}

  /** Create a hook with a fresh uuid. */
  create(input: NewBitbucketHook): BitbucketHook {
    const hook = { ...input, uuid: `{${randomUUID()}}`, createdAtMs: this.clock.nowMs() };
    this.hooks.push(hook);
    return hook;
  }

  /** The hooks installed exactly on `subject` (a repository's list leaves out its workspace's hooks). */
  on(subject: BitbucketHookSubject): BitbucketHook[] {
    return this.hooks.filter((hook) => sameSubject(hook.subject, subject));
  }

  /** The active hooks for `event` on `workspace/repoSlug`: the repository's own and its workspace's. */
  listening(event: string, workspace: string, repoSlug: string): BitbucketHook[] {
    return this.hooks.filter(
      (hook) =>
        hook.active &&
        hook.events.includes(event) &&
        hook.subject.workspace === workspace &&
        (hook.subject.type === 'workspace' || hook.subject.repoSlug === repoSlug),
    );
  }

  /** Every hook (copies for inspection: the secret is left out). */
  all(): Array<Omit<BitbucketHook, 'secret'> & { secretSet: boolean }> {
    return this.hooks.map(({ secret, ...hook }) => ({
      ...structuredClone(hook),
      secretSet: secret !== undefined,
    }));
  }

  /** Remove the hook with `uuid` (braces optional); false when there is none. */
  remove(uuid: string, subject?: BitbucketHookSubject): boolean {
    const index = this.hooks.findIndex(
      (hook) =>
        hook.uuid === bracedUuid(uuid) &&
        (subject === undefined || sameSubject(hook.subject, subject)),
    );
    if (index < 0) return false;
    this.hooks.splice(index, 1);
    return true;
  }
}

/** A hook uuid with braces, whether or not it was given with them (Bitbucket accepts both in paths). */
export function bracedUuid(uuid: string): string {
  const bare = uuid.replace(/^\{|\}$/g, '');
  return `{${bare}}`;
}

function sameSubject(a: BitbucketHookSubject, b: BitbucketHookSubject): boolean {
  if (a.type !== b.type || a.workspace !== b.workspace) return false;
  return a.type === 'workspace' || a.repoSlug === (b as typeof a).repoSlug;
}
