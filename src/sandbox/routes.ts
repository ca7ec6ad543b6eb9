// The four platform endpoints, which role serves each, and the GET handlers. Envelopes follow what
// the platform does (see samples/README.md, "Answers"): controller answers use
// {"status":"Error","error"}, the gateway's own answers (404, 405, bad query, bad body) use
// {"success":false,"errors":[...]}, so a client is exercised on both shapes.

import type { SandboxStore, TokenInfo } from './store.js';

export type Role = 'main' | 'fallback';

export type Answer = { readonly status: number; readonly body: unknown; readonly headers?: Readonly<Record<string, string>> };

export interface RouteContext {
  readonly store: SandboxStore;
  readonly auth: TokenInfo;
  readonly query: URLSearchParams;
  readonly params: readonly string[];
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** The key the inspector counts requests under. */
  readonly key: string;
  readonly pattern: RegExp;
  readonly role: Role;
  /** Absent for the create, which server.ts runs itself: it reads a JSON body and can drop the socket. */
  readonly handle?: (ctx: RouteContext) => Answer;
}

export function ok(data: unknown, status = 200): Answer {
  return { status, body: { status: 'OK', data } };
}

export function controllerError(status: number, message: string, headers?: Record<string, string>): Answer {
  return { status, body: { status: 'Error', error: message }, ...(headers ? { headers } : {}) };
}

export function gatewayError(status: number, code: string, message: string, headers?: Record<string, string>): Answer {
  return { status, body: { success: false, errors: [{ code, message }] }, ...(headers ? { headers } : {}) };
}

const MAX_PER_PAGE = 50;

type Paging = { readonly page: number; readonly perPage: number } | { readonly error: Answer };

/** page (default 1) and per_page (default 25, silently clamped to 50), positive integers. */
function readPaging(query: URLSearchParams): Paging {
  const values: number[] = [];
  for (const [name, fallback] of [['page', 1], ['per_page', 25]] as const) {
    const text = query.get(name);
    if (text === null || text === '') {
      values.push(fallback);
      continue;
    }
    if (!/^\d+$/.test(text) || Number(text) < 1) {
      return { error: gatewayError(422, 'invalid_parameter', `${name} must be a positive integer, got "${text}"`) };
    }
    values.push(Number(text));
  }
  return { page: values[0] ?? 1, perPage: Math.min(values[1] ?? 25, MAX_PER_PAGE) };
}

function pageOf<T>(items: readonly T[], page: number, perPage: number) {
  const start = (page - 1) * perPage;
  return {
    items: items.slice(start, start + perPage),
    pagination: { page, per_page: perPage, total: items.length, total_pages: Math.ceil(items.length / perPage) },
  };
}

function listClients({ store, auth, query }: RouteContext): Answer {
  const paging = readPaging(query);
  if ('error' in paging) return paging.error;
  const term = query.get('search_term') ?? '';
  const by = query.get('search_by');
  let found: readonly { wire: unknown; businessId: string }[];
  if (term === '') {
    found = store.businessClients;
  } else if (by === 'email') {
    found = store.clientsWithEmail(term).filter((c) => c.businessId === auth.businessId);
  } else if (by === 'uid') {
    const client = store.clientsById.get(term);
    found = client && client.businessId === auth.businessId ? [client] : [];
  } else if (by === null || by === '') {
    // No search_by: a free-text search over names and email, as the platform's client list does.
    const needle = term.toLowerCase();
    found = store.businessClients.filter((c) =>
      ['email', 'first_name', 'last_name'].some((f) => String(c.wire[f] ?? '').toLowerCase().includes(needle)),
    );
  } else {
    return gatewayError(422, 'invalid_parameter', `search_by must be "email" or "uid", got "${by}"`);
  }
  const { items, pagination } = pageOf(found, paging.page, paging.perPage);
  return ok({ clients: items.map((c) => c.wire), pagination });
}

function listPackages({ store, query }: RouteContext): Answer {
  const packages = store.businessPackages.map((p) => p.wire);
  // Not paginated in the public description; pages only when the caller asks for them.
  if (!query.has('page') && !query.has('per_page')) return ok({ packages });
  const paging = readPaging(query);
  if ('error' in paging) return paging.error;
  const { items, pagination } = pageOf(packages, paging.page, paging.perPage);
  return ok({ packages: items, pagination });
}

function listClientPackages({ store, auth, query, params }: RouteContext): Answer {
  const clientId = safeDecode(params[0] ?? '');
  const client = store.clientsById.get(clientId);
  if (!client || client.businessId !== auth.businessId) {
    return gatewayError(404, 'not_found', `Client not found: ${clientId}`);
  }
  const paging = readPaging(query);
  if ('error' in paging) return paging.error;
  const { items, pagination } = pageOf(store.clientPackagesOf(clientId), paging.page, paging.perPage);
  return ok({ client_packages: items, pagination });
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text; // a malformed escape is just an id that matches no client
  }
}

const defineRoute = (method: Route['method'], path: string, pattern: RegExp, role: Role, handle?: Route['handle']): Route => ({
  method,
  key: `${method} ${path}`,
  pattern,
  role,
  ...(handle ? { handle } : {}),
});

export const ROUTES: readonly Route[] = [
  defineRoute('GET', '/platform/v1/clients', /^\/platform\/v1\/clients\/?$/, 'main', listClients),
  defineRoute(
    'GET',
    '/platform/v1/clients/{client_id}/payment/client_packages',
    /^\/platform\/v1\/clients\/([^/]+)\/payment\/client_packages\/?$/,
    'main',
    listClientPackages,
  ),
  defineRoute('GET', '/platform/v1/payment/packages', /^\/platform\/v1\/payment\/packages\/?$/, 'fallback', listPackages),
  defineRoute('POST', '/platform/v1/payment/client_packages', /^\/platform\/v1\/payment\/client_packages\/?$/, 'fallback'),
];

export type RouteMatch =
  | { readonly kind: 'found'; readonly route: Route; readonly params: readonly string[] }
  | { readonly kind: 'error'; readonly answer: Answer };

/** Finds the route a server of these roles serves; a path served only by the other role is a 404, as on the real gateway. */
export function matchRoute(method: string, path: string, roles: ReadonlySet<Role>): RouteMatch {
  const allowed: string[] = [];
  for (const route of ROUTES) {
    if (!roles.has(route.role)) continue;
    const match = route.pattern.exec(path);
    if (!match) continue;
    if (route.method === method) return { kind: 'found', route, params: match.slice(1) };
    allowed.push(route.method);
  }
  if (allowed.length === 0) return { kind: 'error', answer: gatewayError(404, 'not_found', `No route for ${method} ${path}`) };
  const allow = allowed.join(', ');
  return { kind: 'error', answer: gatewayError(405, 'method_not_allowed', `${method} is not allowed on ${path}; use ${allow}`, { allow }) };
}
