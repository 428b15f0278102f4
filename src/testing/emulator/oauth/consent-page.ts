import type { EmulatorUser } from '../emulator.types.js';
import { escapeHtml, html, type EmulatorResponse } from '../server/http-helpers.js';

/** The authorization server a page speaks for: its name and where the consent form posts. */
export interface ConsentHost {
  /** Shown in the title and the question, e.g. `Atlassian`. */
  product: string;
  decisionPath: string;
}

/** What the consent page shows. */
export interface ConsentPageModel {
  requestId: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  /** The signed-in user, preselected. */
  user: EmulatorUser;
  /** Everyone the page may act for (a test can pick another account). */
  users: EmulatorUser[];
  /** Which server asks. */
  host: ConsentHost;
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#172b4d;margin:0}
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:6px;box-shadow:0 1px 3px #0003}
h1{font-size:1.25rem}code{background:#f4f5f7;padding:0 .25rem}ul{padding-left:1.25rem}
.actions{display:flex;gap:.5rem;margin-top:1.5rem}button{padding:.5rem 1rem;border-radius:3px;border:0;cursor:pointer}
#approve{background:#0052cc;color:#fff}#deny{background:#ebecf0}`;

function page(title: string, content: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><style>${STYLE}</style></head>
<body><main>${content}</main></body></html>`;
}

/** The consent screen: a form posting to the host's decision path with `#approve` and `#deny` buttons. */
export function consentPage(model: ConsentPageModel): EmulatorResponse {
  const { host } = model;
  const options = model.users
    .map((u) => {
      const selected = u.accountId === model.user.accountId ? ' selected' : '';
      return `<option value="${escapeHtml(u.accountId)}"${selected}>${escapeHtml(u.name)} (${escapeHtml(u.email)})</option>`;
    })
    .join('');
  const scopes = model.scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('');
  return html(
    200,
    page(
      `Authorize app - ${host.product} emulator`,
      `<h1>Allow <code id="client-id">${escapeHtml(model.clientId)}</code> to access your ${host.product} account?</h1>
<form method="post" action="${escapeHtml(host.decisionPath)}">
<input type="hidden" name="request_id" value="${escapeHtml(model.requestId)}">
<p><label>Signed in as <select name="account_id" id="account">${options}</select></label></p>
<p>It asks for:</p><ul id="scopes">${scopes}</ul>
<p>You will be sent back to <code>${escapeHtml(model.redirectUri)}</code>.</p>
<div class="actions"><button name="decision" value="approve" id="approve">Accept</button>
<button name="decision" value="deny" id="deny">Deny</button></div>
</form>`,
    ),
  );
}

/** A 400 page naming the parameter at fault; shown instead of redirecting to an unchecked callback. */
export function authorizeErrorPage(
  parameter: string,
  problem: string,
  host: ConsentHost,
): EmulatorResponse {
  return html(
    400,
    page(
      `Invalid authorization request - ${host.product} emulator`,
      `<h1>Something went wrong</h1><p id="error">Invalid parameter <code>${escapeHtml(parameter)}</code>: ${escapeHtml(problem)}</p>`,
    ),
  );
}
