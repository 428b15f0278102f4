import type { StoredIssue } from './jira-issues.js';
import type { JiraChangeItem } from './jira-webhook-payloads.js';

/** The fields the emulator can change on an issue, by Jira field id (`customfield_…` for custom fields). */
export type JiraIssueChanges = Partial<
  Pick<StoredIssue, 'summary' | 'description' | 'issuetype' | 'status' | 'assignee' | 'reporter'>
> & { [customField: `customfield_${string}`]: string };

const SYSTEM_FIELDS = [
  'summary',
  'description',
  'issuetype',
  'status',
  'assignee',
  'reporter',
] as const;

/** Why `changes` cannot be applied (a field the emulator does not know, a value of the wrong type), if so. */
export function problemWithChanges(changes: Record<string, unknown>): string | undefined {
  for (const [field, value] of Object.entries(changes)) {
    if (field === 'description') continue;
    const known =
      (SYSTEM_FIELDS as readonly string[]).includes(field) || /^customfield_\d+$/.test(field);
    if (!known)
      return `The emulator cannot set field '${field}': use ${SYSTEM_FIELDS.join(', ')} or customfield_<id>`;
    const nullable = field === 'assignee' || field === 'reporter';
    if (typeof value !== 'string' && !(nullable && value === null))
      return `Field '${field}' takes a string${nullable ? ' (an account id) or null' : ''}`;
  }
  return undefined;
}

/** Apply `changes` to `issue`; returns the changelog items of the fields whose value really changed. */
export function applyIssueChanges(issue: StoredIssue, changes: JiraIssueChanges): JiraChangeItem[] {
  const items: JiraChangeItem[] = [];
  for (const [field, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const custom = field.startsWith('customfield_');
    const before: unknown = custom ? issue.customFields[field] : issue[field as keyof StoredIssue];
    if (JSON.stringify(before ?? null) === JSON.stringify(value)) continue;
    if (custom) issue.customFields[field] = value as string;
    else Object.assign(issue, { [field]: structuredClone(value) });
    const byId = field === 'assignee' || field === 'reporter';
    items.push({
      field,
      fieldtype: custom ? 'custom' : 'jira',
      fieldId: field,
      from: byId ? (before as string | null) : null,
      fromString: asText(before),
      to: byId ? (value as string | null) : null,
      toString: asText(value),
    });
  }
  return items;
}

function asText(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
