import type { EmulatorIssue, EmulatorIssueInput, EmulatorSite } from '../emulator.types.js';
import { normalizeIssue } from './atlassian-sites.js';

/** A comment on an issue, as Jira answers it. */
export interface JiraComment {
  id: string;
  body: unknown;
  author: { accountId: string; displayName: string; accountType: string };
  created: string;
  updated: string;
}

/** An issue as edits and comments left it. */
export interface StoredIssue extends EmulatorIssue {
  comments: JiraComment[];
}

/**
 * The issues of each site, seeded from the first site seen with that cloudId and changed by the API; kept per
 * cloudId so a user and a service account reaching the same site see the same edits and comments.
 */
export class JiraIssueStore {
  private readonly sites = new Map<string, StoredIssue[]>();
  private nextCommentId = 10_000;

  /** The issues of `site`, in order. */
  issues(site: EmulatorSite): StoredIssue[] {
    let issues = this.sites.get(site.id);
    if (!issues) {
      issues = site.issues.map((issue) => ({ ...structuredClone(issue), comments: [] }));
      this.sites.set(site.id, issues);
    }
    return issues;
  }

  /** The issue of `site` with this id or key (keys compare without case, as Jira does). */
  find(site: EmulatorSite, idOrKey: string): StoredIssue | undefined {
    const wanted = idOrKey.toUpperCase();
    return this.issues(site).find((issue) => issue.id === idOrKey || issue.key === wanted);
  }

  /** Add `issue` to `site` (after its seeded ones); its id defaults to the next free one. */
  add(site: EmulatorSite, input: EmulatorIssueInput): StoredIssue {
    const issues = this.issues(site);
    if (this.find(site, input.key))
      throw new Error(`createIssue: ${input.key} already exists on site ${site.id}`);
    const nextId = Math.max(9_999, ...issues.map((issue) => Number(issue.id) || 0)) + 1;
    const issue = {
      ...normalizeIssue({ ...input, id: input.id ?? String(nextId) }, 0),
      comments: [],
    };
    issues.push(issue);
    return issue;
  }

  /** A fresh comment id. */
  commentId(): string {
    return String(this.nextCommentId++);
  }
}
