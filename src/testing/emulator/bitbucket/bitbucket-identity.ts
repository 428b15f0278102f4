import { createHash } from 'node:crypto';
import { BITBUCKET_CREATED_ON, BITBUCKET_DEFAULT_REPOSITORIES } from '../bitbucket-defaults.js';
import type {
  EmulatorBitbucketIdentity,
  EmulatorBitbucketUserInput,
  EmulatorBitbucketWorkspace,
  EmulatorBitbucketWorkspaceInput,
} from '../bitbucket.types.js';

/** What the Bitbucket identity is derived from: the Atlassian side of the same person. */
export interface BitbucketPerson {
  accountId: string;
  name: string;
  nickname: string;
  email: string;
}

/** Fill in a user's Bitbucket identity; the same person as the Atlassian account, so no second account id. */
export function bitbucketIdentity(
  person: BitbucketPerson,
  input: EmulatorBitbucketUserInput = {},
): EmulatorBitbucketIdentity {
  const username = input.username ?? (slugify(person.name) || slugify(person.accountId));
  const workspaces = input.workspaces ?? [
    { slug: username, name: person.name, repositories: [...BITBUCKET_DEFAULT_REPOSITORIES] },
  ];
  return {
    uuid: stableUuid(`user:${person.accountId}`),
    username,
    nickname: person.nickname,
    createdOn: BITBUCKET_CREATED_ON,
    location: input.location ?? null,
    has2faEnabled: input.has2faEnabled ?? null,
    isStaff: input.isStaff ?? false,
    emails: (input.emails ?? defaultEmails(person.email, username)).map((entry) => ({ ...entry })),
    workspaces: workspaces.map(normalizeWorkspace),
  };
}

function defaultEmails(email: string, username: string): EmulatorBitbucketIdentity['emails'] {
  return [
    { email, is_primary: true, is_confirmed: true },
    { email: `${username}.alt@example.com`, is_primary: false, is_confirmed: false },
  ];
}

function normalizeWorkspace(
  workspace: EmulatorBitbucketWorkspaceInput,
): EmulatorBitbucketWorkspace {
  return {
    slug: workspace.slug,
    name: workspace.name ?? workspace.slug,
    repositories: (workspace.repositories ?? []).map((repository) => {
      const slug = repository.slug ?? slugify(repository.name);
      return {
        name: repository.name,
        slug,
        uuid: repository.uuid ?? stableUuid(`repository:${workspace.slug}/${slug}`),
        is_private: repository.is_private ?? true,
      };
    }),
  };
}

/** Lower case, runs of anything but letters, digits, `_` and `-` as one `-`, no dashes at the ends. */
function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

/** A braced version-4-shaped UUID hashed from `seed`, so the same user gets the same uuid in every run. */
function stableUuid(seed: string): string {
  const hex = createHash('sha256').update(seed).digest('hex');
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16);
  return `{${hex.slice(0, 8)}-${hex.slice(8, 12)}-4${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}}`;
}
