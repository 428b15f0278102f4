import type { EmulatorIssue, EmulatorSite } from '../emulator.types.js';

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

  /** A fresh comment id. */
  commentId(): string {
    return String(this.nextCommentId++);
  }
}
