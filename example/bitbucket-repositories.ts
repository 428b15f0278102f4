import type { ProductClient } from '../src/index.js';

/** A repository as the demo shows it. */
export interface RepositorySummary {
  uuid: string;
  name: string;
  /** `workspace/slug`. */
  fullName: string;
  isPrivate: boolean;
  /** The repository's page on bitbucket.org. */
  url: string | null;
}

/** One element of Bitbucket's repository lists. */
interface BitbucketRepository {
  uuid: string;
  name: string;
  full_name: string;
  is_private: boolean;
  links?: { html?: { href?: string } };
}

/** The demo lists at most this many; one page at Bitbucket's largest page size. */
const MAX_REPOSITORIES = 100;

/**
 * The user's repositories, through a `BitbucketApiClient` client. Real Bitbucket:
 * `/2.0/repositories?role=member` (every workspace the user belongs to). The emulator serves only
 * `/2.0/repositories/{workspace}`, and a user's default workspace there is their username.
 */
export async function listRepositories(
  bitbucket: ProductClient,
  emulator: boolean,
): Promise<RepositorySummary[]> {
  const path = emulator
    ? `/2.0/repositories/${encodeURIComponent((await bitbucket.get<{ username: string }>('/2.0/user')).username)}`
    : '/2.0/repositories';
  const query = emulator
    ? { pagelen: MAX_REPOSITORIES }
    : { role: 'member', pagelen: MAX_REPOSITORIES };
  const repositories: RepositorySummary[] = [];
  for await (const repo of bitbucket.paginateLinks<BitbucketRepository>(path, query)) {
    repositories.push({
      uuid: repo.uuid,
      name: repo.name,
      fullName: repo.full_name,
      isPrivate: repo.is_private,
      url: repo.links?.html?.href ?? null,
    });
    if (repositories.length >= MAX_REPOSITORIES) break;
  }
  return repositories;
}
