import type { LinkedAccountView, SiteView } from '../src/index.js';
import type { JiraProject } from './jira.service.js';

/** Everything the home page shows. */
export interface HomePageModel {
  /** Which Atlassian the demo talks to. */
  atlassianLabel: string;
  /** The signed-in app user, if any. */
  userId?: string;
  accounts: Array<{ account: LinkedAccountView; sites: SiteSection[] }>;
}

/** A site, with its Jira data when it has Jira scopes. */
export interface SiteSection {
  site: SiteView;
  jira?: { displayName?: string; projects?: JiraProject[]; errors: string[] };
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#172b4d;margin:0;line-height:1.45}
main{max-width:48rem;margin:2rem auto;padding:0 1rem}header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
h1{font-size:1.4rem;margin:0}.muted{color:#6b778c;font-size:.9rem}code{background:#ebecf0;padding:0 .25rem;border-radius:3px}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:1rem 1.25rem;margin:1rem 0}
.actions{display:flex;gap:.5rem;align-items:center}form{margin:0}
.button{display:inline-block;background:#0052cc;color:#fff;text-decoration:none;padding:.45rem .9rem;border-radius:3px;border:0;font:inherit;cursor:pointer}
.button.secondary{background:#ebecf0;color:#172b4d}.status{font-size:.8rem;padding:.1rem .4rem;border-radius:3px;background:#e3fcef;color:#006644}
.status.reauth_required,.status.revoked{background:#ffebe6;color:#bf2600}.site{border-top:1px solid #ebecf0;padding-top:.75rem;margin-top:.75rem}
.site h3{margin:0;font-size:1rem}.error{color:#bf2600}ul{margin:.25rem 0;padding-left:1.25rem}`;

/** The whole page as HTML; every value is escaped. */
export function renderHomePage(model: HomePageModel): string {
  const body = model.userId ? signedIn(model.userId, model) : signedOut();
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nestjs-atlassian demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main><header><div><h1>nestjs-atlassian demo</h1><div class="muted">Atlassian: ${escapeHtml(model.atlassianLabel)}</div></div>
<div class="actions"><a class="button" id="connect" href="/auth/atlassian">Connect Atlassian</a>${model.userId ? signOutForm() : ''}</div></header>
${body}</main></body></html>`;
}

function signedOut(): string {
  return `<section class="card"><p>Not signed in. Connect an Atlassian account to sign in: the demo stores the link,
its sites and its encrypted tokens, then lists your Jira projects.</p></section>`;
}

function signedIn(userId: string, model: HomePageModel): string {
  const accounts = model.accounts.length
    ? model.accounts.map(({ account, sites }) => accountCard(account, sites)).join('\n')
    : '<section class="card"><p>No linked accounts yet.</p></section>';
  return `<p>Signed in as app user <code id="user-id">${escapeHtml(userId)}</code>. Connecting again links another Atlassian account to this user.</p>
<h2>Linked accounts</h2>${accounts}`;
}

function signOutForm(): string {
  return '<form method="post" action="/logout"><button class="button secondary" id="sign-out">Sign out</button></form>';
}

function accountCard(account: LinkedAccountView, sites: SiteSection[]): string {
  const siteList = sites.length ? sites.map(siteBlock).join('') : '<p class="muted">No sites: this grant reaches no Jira or Confluence site.</p>';
  return `<section class="card account" data-account-id="${escapeHtml(account.id)}">
<div><strong class="account-name">${escapeHtml(account.displayName ?? '(no name)')}</strong> <span class="muted">${escapeHtml(account.email ?? '(email hidden)')}</span>
<span class="status ${escapeHtml(account.status)}">${escapeHtml(account.status)}</span></div>${siteList}</section>`;
}

function siteBlock({ site, jira }: SiteSection): string {
  return `<div class="site" data-cloud-id="${escapeHtml(site.cloudId)}"><h3>${escapeHtml(site.name)}</h3>
<div>${siteLink(site.url)} <span class="muted">cloudId <code>${escapeHtml(site.cloudId)}</code></span></div>
${jira ? jiraBlock(jira) : '<p class="muted">No Jira scopes on this site.</p>'}</div>`;
}

function siteLink(url: string): string {
  // Only web links: a `javascript:` URL must never become clickable.
  return /^https?:\/\//i.test(url) ? `<a href="${escapeHtml(url)}" class="site-url">${escapeHtml(url)}</a>` : `<span class="site-url">${escapeHtml(url)}</span>`;
}

function jiraBlock(jira: NonNullable<SiteSection['jira']>): string {
  const who = jira.displayName ? `<p>Jira knows you as <strong class="jira-myself">${escapeHtml(jira.displayName)}</strong>.</p>` : '';
  const projects = jira.projects
    ? `<p>Jira projects:</p><ul class="jira-projects">${jira.projects.map((p) => `<li><code>${escapeHtml(p.key)}</code> ${escapeHtml(p.name)}</li>`).join('') || '<li class="muted">none</li>'}</ul>`
    : '';
  const errors = jira.errors.map((message) => `<p class="error">${escapeHtml(message)}</p>`).join('');
  return who + projects + errors;
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}
