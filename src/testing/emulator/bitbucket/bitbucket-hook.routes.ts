import type {
  EmulatorEndpoint,
  EmulatorRequest,
  EmulatorRouteModule,
} from '../server/emulator-router.js';
import { json, type EmulatorResponse } from '../server/http-helpers.js';
import {
  authenticateBitbucketCaller,
  bitbucketError,
  isBitbucketRefusal,
  type BitbucketCaller,
} from './bitbucket-api-access.js';
import {
  BITBUCKET_HOOK_EVENTS,
  bracedUuid,
  type BitbucketHook,
  type BitbucketHookSubject,
} from './bitbucket-hooks.js';
import { bitbucketPage } from './bitbucket-pagination.js';
import type { BitbucketState } from './bitbucket-state.js';

const REPOSITORY_HOOKS = '^/2\\.0/repositories/(?<workspace>[^/]+)/(?<repoSlug>[^/]+)/hooks';
const WORKSPACE_HOOKS = '^/2\\.0/workspaces/(?<workspace>[^/]+)/hooks';

/**
 * api.bitbucket.org's webhooks on a repository and on a workspace: create (201), list (paged), read one,
 * delete (204). Scope `webhook`. A hook's secret is write-only: answers say `secret_set`, never the secret.
 */
export function bitbucketHookRoutes(bitbucket: BitbucketState): EmulatorRouteModule {
  const endpoints: EmulatorEndpoint[] = [];
  for (const base of [REPOSITORY_HOOKS, WORKSPACE_HOOKS]) {
    const collection = new RegExp(`${base}/?$`);
    const one = new RegExp(`${base}/(?<uid>[^/]+)/?$`);
    const route = 'bitbucket-hooks' as const;
    const serve =
      (handler: (call: HookCall) => EmulatorResponse) =>
      (request: EmulatorRequest): EmulatorResponse => {
        const call = resolveCall(bitbucket, request);
        return 'status' in call ? call : handler(call);
      };
    endpoints.push(
      { method: 'POST', path: collection, route, handle: serve(create) },
      { method: 'GET', path: collection, route, handle: serve(list) },
      { method: 'GET', path: one, route, handle: serve(read) },
      { method: 'DELETE', path: one, route, handle: serve(remove) },
    );
  }
  return { endpoints, prefixes: [{ prefix: '/2.0/workspaces/', route: 'bitbucket-hooks' }] };
}

interface HookCall {
  bitbucket: BitbucketState;
  caller: BitbucketCaller;
  request: EmulatorRequest;
  subject: BitbucketHookSubject;
}

/** The token (scope `webhook`), then the workspace or repository among the caller's (404 otherwise). */
function resolveCall(
  bitbucket: BitbucketState,
  request: EmulatorRequest,
): HookCall | EmulatorResponse {
  const caller = authenticateBitbucketCaller(bitbucket, request, 'webhook');
  if (isBitbucketRefusal(caller)) return caller;
  const slug = decode(request.params.workspace ?? '');
  const workspace = caller.user.bitbucket.workspaces.find((entry) => entry.slug === slug);
  if (!workspace) return bitbucketError(404, `No workspace with identifier '${slug}'.`);
  if (request.params.repoSlug === undefined) {
    return {
      bitbucket,
      caller,
      request,
      subject: { type: 'workspace', workspace: slug, name: workspace.name },
    };
  }
  const repoSlug = decode(request.params.repoSlug);
  const repository = workspace.repositories.find((entry) => entry.slug === repoSlug);
  if (!repository) return bitbucketError(404, `Repository ${slug}/${repoSlug} not found`);
  const subject: BitbucketHookSubject = {
    type: 'repository',
    workspace: slug,
    repoSlug,
    name: repository.name,
    uuid: repository.uuid,
  };
  return { bitbucket, caller, request, subject };
}

function create({ bitbucket, caller, request, subject }: HookCall): EmulatorResponse {
  const { error, value } = request.body;
  if (error || !value) return bitbucketError(400, error ?? 'Send a JSON body: { url, events, … }');
  const { url, events, description, active, secret } = value;
  if (typeof url !== 'string' || !isHttpUrl(url))
    return bitbucketError(400, 'url: enter a valid http or https URL', { url: [String(url)] });
  if (!Array.isArray(events) || events.length === 0 || !events.every((e) => typeof e === 'string'))
    return bitbucketError(400, 'events: list at least one event key, e.g. ["repo:push"]');
  const unknown = (events as string[]).filter((event) => !BITBUCKET_HOOK_EVENTS.includes(event));
  if (unknown.length > 0)
    return bitbucketError(400, `events: unknown event key(s) ${unknown.join(', ')}`);
  if (secret !== undefined && secret !== null && typeof secret !== 'string')
    return bitbucketError(400, 'secret: must be a string');
  const hook = bitbucket.hooks.create({
    subject,
    url,
    description: typeof description === 'string' ? description : '',
    active: active !== false,
    events: [...new Set(events as string[])],
    ...(typeof secret === 'string' && secret !== '' ? { secret } : {}),
    clientId: caller.grant.clientId,
    accountId: caller.user.accountId,
  });
  const self = selfLink(request, hook);
  return json(201, describe(hook, self), { location: self });
}

function list({ bitbucket, request, subject }: HookCall): EmulatorResponse {
  const hooks = bitbucket.hooks.on(subject);
  return bitbucketPage(
    hooks.map((hook) => describe(hook, selfLink(request, hook))),
    request,
  );
}

function read(call: HookCall): EmulatorResponse {
  const hook = findHook(call);
  return hook ? json(200, describe(hook, selfLink(call.request, hook))) : hookNotFound();
}

function remove(call: HookCall): EmulatorResponse {
  const hook = findHook(call);
  if (!hook) return hookNotFound();
  call.bitbucket.hooks.remove(hook.uuid, call.subject);
  return { status: 204, headers: {}, body: '' };
}

function findHook({ bitbucket, request, subject }: HookCall): BitbucketHook | undefined {
  const uuid = bracedUuid(decode(request.params.uid ?? ''));
  return bitbucket.hooks.on(subject).find((hook) => hook.uuid === uuid);
}

function hookNotFound(): EmulatorResponse {
  return bitbucketError(404, 'Webhook not found');
}

/** A hook as the API answers it: `secret_set` instead of the secret. */
function describe(hook: BitbucketHook, self: string): Record<string, unknown> {
  const { subject } = hook;
  return {
    type: 'webhook_subscription',
    uuid: hook.uuid,
    url: hook.url,
    description: hook.description,
    subject_type: subject.type,
    subject:
      subject.type === 'repository'
        ? {
            type: 'repository',
            full_name: `${subject.workspace}/${subject.repoSlug}`,
            name: subject.name,
            uuid: subject.uuid,
          }
        : { type: 'workspace', slug: subject.workspace, name: subject.name },
    active: hook.active,
    events: [...hook.events],
    created_at: new Date(hook.createdAtMs).toISOString(),
    secret_set: hook.secret !== undefined,
    skip_cert_verification: false,
    links: { self: { href: self } },
  };
}

function selfLink(request: EmulatorRequest, hook: BitbucketHook): string {
  const collection = request.path.replace(/\/hooks(\/[^/]*)?\/?$/, '/hooks');
  return `http://${request.headers.host ?? '127.0.0.1'}${collection}/${encodeURIComponent(hook.uuid)}`;
}

function isHttpUrl(text: string): boolean {
  try {
    return ['http:', 'https:'].includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}
