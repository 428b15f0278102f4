import type { LinkedAccountView, SiteView } from '../src/index.js';
import type { RepositorySummary } from './bitbucket-repositories.js';
import type { DemoWebhookEvent } from './webhooks/demo-webhook-events.js';
import type { SiteWebhook } from './webhooks/demo-webhook-registrations.js';
import type { ConfluenceSpace, JiraProject } from './product-calls.js';

/** Everything the home page shows. */
export interface HomePageModel {
  /** Which Atlassian the demo talks to. */
  atlassianLabel: string;
  /** Which Bitbucket the demo talks to; undefined when Bitbucket is not configured. */
  bitbucketLabel?: string;
  /** The signed-in app user, if any. */
  userId?: string;
  /** The user's linked accounts, one section per person (Atlassian account id). */
  identities: IdentitySection[];
  /** The signed-in user's latest webhook deliveries, newest first (the page keeps them fresh). */
  webhookEvents: DemoWebhookEvent[];
  /** True when the built-in emulator plays Atlassian: the page offers to act as Atlassian would. */
  emulator: boolean;
}

/** One person: their Atlassian and Bitbucket accounts share the Atlassian account id. */
export interface IdentitySection {
  atlassianAccountId: string;
  accounts: AccountSection[];
}

/** A linked account: an Atlassian one with its sites, or a Bitbucket one with its repositories. */
export interface AccountSection {
  account: LinkedAccountView;
  sites: SiteSection[];
  repositories?: { list?: RepositorySummary[]; errors: string[] };
}

/** A site, with its Jira data when it has Jira scopes and its Confluence spaces when it has Confluence scopes. */
export interface SiteSection {
  site: SiteView;
  /** The site's Jira webhook: registered (and kept alive), or why not; undefined without webhook scopes. */
  webhook?: SiteWebhook;
  jira?: { displayName?: string; projects?: JiraProject[]; errors: string[] };
  confluence?: { spaces?: ConfluenceSpace[]; errors: string[] };
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#172b4d;margin:0;line-height:1.45}
main{max-width:48rem;margin:2rem auto;padding:0 1rem}header{display:flex;justify-content:space-between;align-items:center;gap:1rem;flex-wrap:wrap}
h1{font-size:1.4rem;margin:0}h2.identity-title{font-size:1.05rem;margin:0 0 .5rem}.muted{color:#6b778c;font-size:.9rem}code{background:#ebecf0;padding:0 .25rem;border-radius:3px}
.card{background:#fff;border-radius:6px;box-shadow:0 1px 3px #0002;padding:1rem 1.25rem;margin:1rem 0}
.account{border-top:2px solid #dfe1e6;padding-top:.75rem;margin-top:.75rem}.provider{font-size:.8rem;font-weight:600;text-transform:uppercase;color:#5e6c84}
.actions{display:flex;gap:.5rem;align-items:center}form{margin:0}
.button{display:inline-block;background:#0052cc;color:#fff;text-decoration:none;padding:.45rem .9rem;border-radius:3px;border:0;font:inherit;cursor:pointer}
.button.bitbucket{background:#2684ff}.button.secondary{background:#ebecf0;color:#172b4d}.status{font-size:.8rem;padding:.1rem .4rem;border-radius:3px;background:#e3fcef;color:#006644}
.status.reauth_required,.status.revoked{background:#ffebe6;color:#bf2600}.site{border-top:1px solid #ebecf0;padding-top:.75rem;margin-top:.75rem}
.site h3{margin:0;font-size:1rem}.profile{margin:.5rem 0}.profile table{font-size:.85rem;border-collapse:collapse}.profile th{text-align:left;padding-right:1rem;font-weight:500;color:#5e6c84}.error{color:#bf2600}ul{margin:.25rem 0;padding-left:1.25rem}`;

/** The whole page as HTML; every value is escaped. */
export function renderHomePage(model: HomePageModel): string {
  const body = model.userId ? signedIn(model.userId, model) : signedOut(model);
  const bitbucketButton = model.bitbucketLabel
    ? '<a class="button bitbucket" id="connect-bitbucket" href="/auth/bitbucket">Connect Bitbucket</a>'
    : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>nestjs-atlassian demo</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main><header><div><h1>nestjs-atlassian demo</h1><div class="muted">Atlassian: ${escapeHtml(model.atlassianLabel)}</div>
<div class="muted">Bitbucket: ${escapeHtml(model.bitbucketLabel ?? 'not configured (set BITBUCKET_CLIENT_ID)')}</div></div>
<div class="actions"><a class="button" id="connect" href="/auth/atlassian">Connect Atlassian</a>${bitbucketButton}${model.userId ? signOutForm() : ''}</div></header>
${body}</main></body></html>`;
}

function signedOut(model: HomePageModel): string {
  const bitbucket = model.bitbucketLabel ? ' or Bitbucket' : '';
  return `<section class="card"><p>Not signed in. Connect an Atlassian${bitbucket} account to sign in: the demo stores the link,
its sites and its encrypted tokens, then lists your Jira projects, Confluence spaces and Bitbucket repositories.</p></section>`;
}

function signedIn(userId: string, model: HomePageModel): string {
  const identities = model.identities.length
    ? model.identities.map(identityCard).join('\n')
    : '<section class="card"><p>No linked accounts yet.</p></section>';
  return `<p>Signed in as app user <code id="user-id">${escapeHtml(userId)}</code>. Connecting Atlassian or Bitbucket again links the account to this user.</p>
${webhookCard(model)}<h2>Linked accounts, by person</h2>${identities}`;
}

/**
 * The latest deliveries (refreshed every second from `GET /api/webhooks/events`) and, with the
 * emulator, buttons that act as Atlassian would: edit an issue, close the person's account.
 */
function webhookCard(model: HomePageModel): string {
  const watched = model.identities
    .flatMap((identity) => identity.accounts)
    .flatMap((account) => account.sites)
    .find((site) => site.webhook?.registration?.status === 'active');
  const actions = model.emulator
    ? `<div class="actions">${
        watched
          ? `<button class="button" id="update-issue" data-cloud-id="${escapeHtml(watched.site.cloudId)}">Update an issue in ${escapeHtml(watched.site.name)}</button>`
          : '<span class="muted">No site has a webhook yet.</span>'
      }<button class="button secondary" id="close-account">Close my Atlassian account</button></div>
<p class="muted" id="emulator-action-result"></p>`
    : '';
  return `<section class="card" id="webhooks"><h2 class="identity-title">Webhook events</h2>
<p class="muted">Jira delivers to <code>POST /webhooks/jira</code>, Bitbucket to <code>POST /webhooks/bitbucket</code>; the newest first.</p>
${actions}<ul id="webhook-events">${model.webhookEvents.map(webhookEventItem).join('') || '<li class="muted">none yet</li>'}</ul></section>
<script>${WEBHOOK_SCRIPT}</script>`;
}

function webhookEventItem(event: DemoWebhookEvent): string {
  return `<li class="webhook-event" data-delivery-id="${escapeHtml(event.id)}">${escapeHtml(describeEvent(event))}</li>`;
}

/** One line per delivery; the page script writes the same line. */
function describeEvent(event: DemoWebhookEvent): string {
  return `${event.event} ${event.issueKey ?? event.repository ?? ''} at ${event.receivedAt}`;
}

// Text only (textContent): a delivery's fields never become markup.
const WEBHOOK_SCRIPT = `(() => {
const list = document.getElementById('webhook-events');
const result = document.getElementById('emulator-action-result');
const line = (e) => e.event + ' ' + (e.issueKey ?? e.repository ?? '') + ' at ' + e.receivedAt;
async function refresh() {
  const answer = await fetch('/api/webhooks/events').catch(() => undefined);
  if (!answer || !answer.ok) return;
  const events = await answer.json();
  if (events.length === 0) return;
  list.replaceChildren(...events.map((e) => {
    const item = document.createElement('li');
    item.className = 'webhook-event';
    item.dataset.deliveryId = e.id;
    item.textContent = line(e);
    return item;
  }));
}
setInterval(refresh, 1000);
async function act(button, path, body, done) {
  button.disabled = true;
  const answer = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const json = await answer.json().catch(() => ({}));
  result.textContent = answer.ok ? done(json) : (json.message ?? 'failed');
  button.disabled = false;
}
document.getElementById('update-issue')?.addEventListener('click', (event) =>
  act(event.currentTarget, '/demo/emulator/update-issue', { cloudId: event.currentTarget.dataset.cloudId },
    (json) => json.issueKey + ' now reads "' + json.summary + '": watch for its delivery below.'));
document.getElementById('close-account')?.addEventListener('click', (event) =>
  act(event.currentTarget, '/demo/emulator/close-account', {},
    () => 'Closed at Atlassian: the next personal data report (PERSONAL_DATA_REPORTING_CRON) erases it here. Reload to see.'));
})();`;

function signOutForm(): string {
  return '<form method="post" action="/logout"><button class="button secondary" id="sign-out">Sign out</button></form>';
}

function identityCard(identity: IdentitySection): string {
  return `<section class="card identity" data-atlassian-account-id="${escapeHtml(identity.atlassianAccountId)}">
<h2 class="identity-title">Atlassian account <code class="identity-id">${escapeHtml(identity.atlassianAccountId)}</code></h2>
${identity.accounts.map(accountBlock).join('\n')}</section>`;
}

function accountBlock({ account, sites, repositories }: AccountSection): string {
  const details =
    account.provider === 'bitbucket'
      ? repositoriesBlock(repositories)
      : sites.length
        ? sites.map(siteBlock).join('')
        : '<p class="muted">No sites: this grant reaches no Jira or Confluence site.</p>';
  return `<div class="account" data-provider="${escapeHtml(account.provider)}" data-account-id="${escapeHtml(account.id)}">
<div><span class="provider">${account.provider === 'bitbucket' ? 'Bitbucket' : 'Atlassian'}</span> <strong class="account-name">${escapeHtml(account.displayName ?? '(no name)')}</strong>
<span class="muted">${escapeHtml(account.email ?? '(no confirmed email)')}</span> <span class="status ${escapeHtml(account.status)}">${escapeHtml(account.status)}</span></div>${profileBlock(account)}${details}</div>`;
}

/**
 * The provider's profile as stored (every field it gave, nested ones flattened to `a.b`), and when it
 * was fetched: what `req.user` and `resolveUser` see.
 */
function profileBlock(account: LinkedAccountView): string {
  if (!account.profile) return '<p class="muted profile-none">No stored profile.</p>';
  const rows = profileFields(account.profile as unknown as Record<string, unknown>)
    .map(
      ([name, value]) =>
        `<tr><th>${escapeHtml(name)}</th><td data-field="${escapeHtml(name)}">${escapeHtml(value)}</td></tr>`,
    )
    .join('');
  const fetched = account.profileFetchedAt
    ? ` <span class="muted">fetched ${escapeHtml(new Date(account.profileFetchedAt).toISOString())}</span>`
    : '';
  return `<details class="profile"><summary>Profile${fetched}</summary><table>${rows}</table></details>`;
}

function profileFields(value: Record<string, unknown>, prefix = ''): Array<[string, string]> {
  return Object.entries(value).flatMap(([name, field]): Array<[string, string]> =>
    field !== null && typeof field === 'object' && !Array.isArray(field)
      ? profileFields(field as Record<string, unknown>, `${prefix}${name}.`)
      : [
          [
            `${prefix}${name}`,
            field === null ? '—' : typeof field === 'string' ? field : JSON.stringify(field),
          ],
        ],
  );
}

function repositoriesBlock(repositories: AccountSection['repositories']): string {
  if (!repositories) return '';
  const list = repositories.list
    ? `<p>Bitbucket repositories:</p><ul class="bitbucket-repositories">${
        repositories.list
          .map(
            (repo) =>
              `<li>${link(repo.url, repo.fullName, 'repository-url')}${repo.isPrivate ? ' <span class="muted">private</span>' : ''}</li>`,
          )
          .join('') || '<li class="muted">none</li>'
      }</ul>`
    : '';
  return list + errorLines(repositories.errors);
}

function siteBlock({ site, webhook, jira, confluence }: SiteSection): string {
  return `<div class="site" data-cloud-id="${escapeHtml(site.cloudId)}"><h3>${escapeHtml(site.name)}</h3>
<div>${link(site.url, site.url, 'site-url')} <span class="muted">cloudId <code>${escapeHtml(site.cloudId)}</code></span></div>
${webhookLine(webhook)}${jira ? jiraBlock(jira) : '<p class="muted">No Jira scopes on this site.</p>'}${confluence ? confluenceBlock(confluence) : ''}</div>`;
}

function webhookLine(webhook: SiteWebhook | undefined): string {
  if (!webhook) return '';
  const { registration, error } = webhook;
  if (!registration)
    return `<p class="error webhook-error">No webhook: ${escapeHtml(error ?? 'unknown')}</p>`;
  const expires = registration.expiresAt
    ? `, expires ${escapeHtml(new Date(registration.expiresAt).toISOString().slice(0, 10))} (renewed by the library)`
    : '';
  return `<p class="webhook" data-status="${escapeHtml(registration.status)}">Jira webhook <code>${escapeHtml(registration.remoteId)}</code>: ${escapeHtml(registration.status)}${expires}</p>`;
}

/** Only web links: a `javascript:` URL must never become clickable. */
function link(url: string | null, text: string, className: string): string {
  return url && /^https?:\/\//i.test(url)
    ? `<a href="${escapeHtml(url)}" class="${className}">${escapeHtml(text)}</a>`
    : `<span class="${className}">${escapeHtml(text)}</span>`;
}

function jiraBlock(jira: NonNullable<SiteSection['jira']>): string {
  const who = jira.displayName
    ? `<p>Jira knows you as <strong class="jira-myself">${escapeHtml(jira.displayName)}</strong>.</p>`
    : '';
  const projects = jira.projects
    ? `<p>Jira projects:</p><ul class="jira-projects">${jira.projects.map((p) => `<li><code>${escapeHtml(p.key)}</code> ${escapeHtml(p.name)}</li>`).join('') || '<li class="muted">none</li>'}</ul>`
    : '';
  return who + projects + errorLines(jira.errors);
}

function confluenceBlock(confluence: NonNullable<SiteSection['confluence']>): string {
  const spaces = confluence.spaces
    ? `<p>Confluence spaces:</p><ul class="confluence-spaces">${confluence.spaces.map((s) => `<li><code>${escapeHtml(s.key)}</code> ${escapeHtml(s.name)}</li>`).join('') || '<li class="muted">none</li>'}</ul>`
    : '';
  return spaces + errorLines(confluence.errors);
}

function errorLines(messages: string[]): string {
  return messages.map((message) => `<p class="error">${escapeHtml(message)}</p>`).join('');
}

function escapeHtml(value: string): string {
  return value.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}
