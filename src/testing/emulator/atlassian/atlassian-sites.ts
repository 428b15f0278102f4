import { CONFLUENCE_SCOPES, JIRA_SCOPES } from '../emulator-defaults.js';
import type {
  EmulatorIssue,
  EmulatorIssueInput,
  EmulatorSite,
  EmulatorSiteInput,
} from '../emulator.types.js';

/** A site with its defaults filled in: every Jira and Confluence scope, an avatar, no projects, spaces or issues. */
export function normalizeSite(site: EmulatorSiteInput): EmulatorSite {
  return {
    id: site.id,
    name: site.name,
    url: site.url,
    scopes: [...(site.scopes ?? [...JIRA_SCOPES, ...CONFLUENCE_SCOPES])],
    avatarUrl:
      site.avatarUrl ??
      `https://site-admin-avatar-cdn.prod.public.atl-paas.net/avatars/240/${site.name}.png`,
    projects: [...(site.projects ?? [])],
    spaces: [...(site.spaces ?? [])],
    issues: (site.issues ?? []).map(normalizeIssue),
  };
}

/** An issue with its defaults filled in; `index` is its position in the site's list (its default id). */
export function normalizeIssue(issue: EmulatorIssueInput, index: number): EmulatorIssue {
  return {
    id: issue.id ?? String(10_000 + index),
    key: issue.key,
    summary: issue.summary,
    description: structuredClone(issue.description ?? null),
    issuetype: issue.issuetype ?? 'Task',
    status: issue.status ?? 'To Do',
    assignee: issue.assignee ?? null,
    reporter: issue.reporter ?? null,
    customFields: { ...issue.customFields },
  };
}
