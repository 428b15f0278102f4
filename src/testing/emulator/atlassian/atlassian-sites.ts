import { CONFLUENCE_SCOPES, JIRA_SCOPES } from '../emulator-defaults.js';
import type { EmulatorSite, EmulatorSiteInput } from '../emulator.types.js';

/** A site with its defaults filled in: every Jira and Confluence scope, an avatar, no projects or spaces. */
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
  };
}
