// The platform API as the tool uses it. Every call goes through the run's one limiter; reads are
// retried on 5xx and network errors, a 429 is waited out and sent again (it was not processed), and
// the create is sent exactly once otherwise: an unclear outcome comes back as 'unknown' for the
// caller to read back. The token goes into the Authorization header and nowhere else.
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import * as z from 'zod';
import { RunError } from '../errors.js';
import { emailKey } from '../resolve/keys.js';
import {
  clientPackagesAnswer,
  clientsAnswer,
  createdAnswer,
  describeMismatch,
  errorText,
  isControllerError,
  isErrorEnvelope,
  packagesAnswer,
} from './api-schemas.js';
import type { Client, ClientPackage, CreateBody, CreateResult, Package, RequestEvent } from './api-types.js';
import { createPool, MAX_ANSWER_BYTES, send, type HttpOutcome } from './http.js';
import { baseOf, type Base } from './api-url.js';
import type { RequestLimiter } from './rate-limit.js';
import { decideRetry, parseRetryAfter } from './retry.js';

export interface ApiClientOptions {
  apiUrl: string;
  fallbackUrl: string;
  token: string;
  limiter: RequestLimiter;
  /** For idempotent GETs on 5xx / network errors (429s are waited, not counted). */
  retries: number;
  /** Pool sizes. */
  concurrency: number;
  connectTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Injected in tests; by default one keep-alive undici Pool per origin, sized to the concurrency. */
  dispatcherFor?: (origin: string) => Dispatcher;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRequest?: (e: RequestEvent) => void;
  /**
   * Awaited in a create's slot, just before it is sent: a run that may no longer be the only one
   * importing the sheet (its lock taken over) throws there, and the create is not sent.
   */
  beforeCreate?: () => Promise<void> | undefined;
}

/** A request that failed for good. The message is the server's error text when there was one; never the token. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  readonly httpStatus?: number;
  /** The code of the network failure (`ECONNREFUSED`, `UND_ERR_SOCKET`, ...) when no answer came. */
  readonly networkError?: string;

  constructor(message: string, details: { httpStatus?: number; networkError?: string } = {}) {
    super(message);
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus;
    if (details.networkError !== undefined) this.networkError = details.networkError;
  }
}

export { checkApiUrl } from './api-url.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
/** 429s are not counted against the retries, but a server that never stops answering 429 must not hold a run forever. */
export const MAX_RATE_LIMITED_RESENDS = 100;
/** Clients are searched at the documented maximum page size. */
export const CLIENTS_PER_PAGE = 50;
/**
 * Other lists ask for the documented default page size, so a server that silently caps the page
 * size cannot make a full page look like the last one; a missed existing package would be billed twice.
 */
export const LIST_PER_PAGE = 25;
export const MAX_PAGES = 10_000;
const MAX_SERVER_TEXT = 200;
/** Failures to connect at all: the request never left, so nothing can come of it. */
const NEVER_CONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);
const isSuccess = (status: number): boolean => status >= 200 && status < 300;

const CLIENTS_PATH = '/platform/v1/clients';
const PACKAGES_PATH = '/platform/v1/payment/packages';
const CREATE_PATH = '/platform/v1/payment/client_packages';
const clientPackagesPath = (clientId: string) => `${CLIENTS_PATH}/${encodeURIComponent(clientId)}/payment/client_packages`;

type Route = RequestEvent['route'];

/** What a request came to: an answer with its parsed JSON (if any), or none. */
type Reply =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly json: unknown;
      readonly message: string;
      readonly retryAfterMs?: number;
      /** Larger than MAX_ANSWER_BYTES: only its start came, and `message` says so. */
      readonly truncated?: true;
    }
  | { readonly kind: 'no-answer'; readonly code: string; readonly message: string; readonly status?: number };

export class ApiClient {
  private readonly main: Base;
  private readonly fallback: Base;
  private readonly token: string;
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly ownPools: Dispatcher[] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Aborted by close(): a read waiting to be sent again gives up rather than outlive the client. */
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private destroyed: Promise<void> | undefined;

  constructor(private readonly options: ApiClientOptions) {
    this.main = baseOf(options.apiUrl);
    this.fallback = baseOf(options.fallbackUrl);
    this.token = options.token.trim();
    // A line break would make undici refuse the header with an error far from its cause.
    if (/[\x00-\x1f\x7f]/.test(this.token)) {
      throw new RunError('CONFIG', 'PLATFORM_STAFF_TOKEN contains a line break or another control character; set it again.');
    }
    // An HTTP header carries bytes, not text: a character past Latin-1 (a typographic quote or dash
    // pasted from a document) cannot be sent at all.
    if (/[^\x20-\xff]/u.test(this.token)) {
      throw new RunError('CONFIG', 'PLATFORM_STAFF_TOKEN contains a character a token cannot have, perhaps from copying it out of a document; copy it again from the platform.');
    }
    // Every read waiting out a retry listens for close(): many at once is expected, not a leak.
    setMaxListeners(0, this.closing.signal);
    this.sleep = options.sleep ?? ((ms) => delay(ms, undefined, { signal: this.closing.signal }));
    this.random = options.random ?? Math.random;
  }

  /** Clients whose email is this one (trimmed, any case, however Unicode spells its accents), from every page of the search. */
  async searchClientsByEmail(email: string): Promise<Client[]> {
    const wanted = emailKey(email);
    if (!wanted) return []; // an empty search term could list every client
    const found = await this.allPages('clients', this.main, CLIENTS_PATH, { search_by: 'email', search_term: email.trim() }, CLIENTS_PER_PAGE, clientsAnswer);
    // The search may match more loosely than equality; only the same address is the same client.
    return found.filter((c) => emailKey(c.email) === wanted);
  }

  async findClientsById(id: string): Promise<Client[]> {
    if (!id.trim()) return [];
    const found = await this.allPages('clients', this.main, CLIENTS_PATH, { search_by: 'uid', search_term: id.trim() }, CLIENTS_PER_PAGE, clientsAnswer);
    return found.filter((c) => c.id === id.trim());
  }

  /** Every package of the business, from the fallback API; pages followed if the server pages. */
  listPackages(): Promise<Package[]> {
    return this.allPages('packages', this.fallback, PACKAGES_PATH, {}, LIST_PER_PAGE, packagesAnswer);
  }

  /** With `readBack`, the read of a create already sent: it is part of finishing that row, and still sent after a stop. */
  listClientPackages(clientId: string, how: { readBack?: boolean } = {}): Promise<ClientPackage[]> {
    return this.allPages('client_packages', this.main, clientPackagesPath(clientId), {}, LIST_PER_PAGE, clientPackagesAnswer, how.readBack === true);
  }

  /** Exactly one create POST to the fallback URL (a 429 is waited out and sent again, since a 429 means not processed); never retried otherwise: the caller reads back on 'unknown'. */
  async createClientPackage(body: CreateBody): Promise<CreateResult> {
    const reply = await this.exchange('create', this.fallback, 'POST', CREATE_PATH, JSON.stringify(body), this.options.beforeCreate);
    if (reply.kind === 'no-answer') {
      const finished = reply.status === undefined && NEVER_CONNECTED.has(reply.code);
      return { kind: 'unknown', ...(reply.status !== undefined && { httpStatus: reply.status }), message: reply.message, finished };
    }
    const { status } = reply;
    if (isSuccess(status)) {
      const parsed = createdAnswer.safeParse(reply.json);
      if (parsed.success && !isErrorEnvelope(reply.json)) return { kind: 'created', clientPackage: parsed.data, httpStatus: status };
      // It answered success but not in a shape we can read: the package may well exist.
      const why = parsed.success || reply.truncated ? reply.message : describeMismatch(parsed.error);
      // It may still be settling where it is read back from: given the time a gateway's error is.
      return { kind: 'unknown', httpStatus: status, message: `the create answered ${status} but the answer could not be read (${this.clean(why)})`, finished: false };
    }
    if (status >= 500 || status < 200) {
      // Only the platform's own 500 ({"status":"Error"}) surely comes after it handled the request. A
      // 502, 503 or 504 may come from a gateway while the platform is still at it, whatever its shape.
      const finished = status === 500 && isControllerError(reply.json);
      return { kind: 'unknown', httpStatus: status, message: reply.message, finished, ...(reply.retryAfterMs !== undefined && { retryAfterMs: reply.retryAfterMs }) };
    }
    // 3xx and 4xx (429 included, once the re-sends ran out): the server did not process it.
    return { kind: 'rejected', httpStatus: status, message: reply.message };
  }

  /**
   * Preflight before any row is sent, and the package list: both URLs reachable, the token accepted
   * and a staff token, asked all at once (one round trip) and judged in order, main URL first.
   * 401 → RunError TOKEN_REJECTED; a directory token → TOKEN_NOT_STAFF; unreachable →
   * API_UNREACHABLE naming the URL; a URL that does not serve its endpoints (404) or does not answer
   * like the platform → CONFIG.
   */
  async preflight(): Promise<Package[]> {
    const mainWhat = 'main API URL (PLATFORM_API_URL / --api-url)';
    const fallbackWhat = 'fallback API URL (PLATFORM_FALLBACK_API_URL / --fallback-url)';
    // All three settle before any verdict, so none is left running when one fails.
    const [clients, listed, probe] = await Promise.all([
      this.withRetries('clients', this.main, 'GET', withQuery(CLIENTS_PATH, { page: '1', per_page: '1' })),
      this.listPackages().then(
        (packages) => ({ packages }),
        (error: unknown) => ({ error }),
      ),
      // An empty body cannot create anything: a staff token gets a 422 about a missing field, a
      // directory token a 422 "Unauthorized". So this probe may be retried like a read.
      this.withRetries('create', this.fallback, 'POST', CREATE_PATH, '{}'),
    ]);

    this.preflightVerdict(clients, this.main, mainWhat, CLIENTS_PATH, isSuccess);
    if (clients.kind === 'answer' && !clientsAnswer.safeParse(clients.json).success) {
      throw new RunError('CONFIG', `The ${mainWhat} ${this.main.shown} answered ${CLIENTS_PATH}, but not like the platform API.`);
    }

    if ('error' in listed) {
      if (!(listed.error instanceof ApiError)) throw listed.error;
      this.preflightVerdict(replyOf(listed.error), this.fallback, fallbackWhat, PACKAGES_PATH, isSuccess);
      throw new RunError('CONFIG', `The ${fallbackWhat} ${this.fallback.shown} answered ${PACKAGES_PATH}, but not like the platform API (${listed.error.message}).`);
    }

    if (probe.kind === 'answer' && isSuccess(probe.status)) {
      throw new RunError('CONFIG', `The ${fallbackWhat} ${this.fallback.shown} accepted an empty create request (${probe.status}); it does not behave like the platform API, so nothing is sent.`);
    }
    this.preflightVerdict(probe, this.fallback, fallbackWhat, CREATE_PATH, (status) => status === 400 || status === 422);
    if (probe.kind === 'answer' && /unauthori[sz]ed/i.test(probe.message)) {
      throw new RunError('TOKEN_NOT_STAFF', `The platform refused the token for creating client packages (${probe.status} "${probe.message}"): it is a directory token.`);
    }
    return listed.packages;
  }

  /** Closes the pools this client made (a dispatcher from `dispatcherFor` is left to whoever made it) and ends every wait before a retry. */
  close(): Promise<void> {
    if (!this.closed) {
      this.closing.abort();
      this.closed = Promise.all(this.ownPools.map((pool) => pool.close())).then(() => undefined);
    }
    return this.closed;
  }

  /** Like close(), but requests still under way are cut off instead of waited for. Only for requests whose answers no longer matter. */
  destroy(): Promise<void> {
    this.closing.abort();
    // What ends here no longer matters to anyone, nor does how it ended.
    this.destroyed ??= Promise.allSettled(this.ownPools.map((pool) => pool.destroy())).then(() => undefined);
    this.closed ??= this.destroyed;
    return this.destroyed;
  }

  /** Throws the RunError a preflight reply calls for, unless it is an answer with an `expected` status. */
  private preflightVerdict(reply: Reply, base: Base, what: string, path: string, expected: (status: number) => boolean): void {
    if (reply.kind === 'no-answer') {
      throw new RunError('API_UNREACHABLE', `Cannot reach the ${what} ${base.shown}: ${reply.message}.`);
    }
    const { status } = reply;
    if (status === 401 || status === 403) {
      throw new RunError('TOKEN_REJECTED', `The platform refused the token (${status} at ${base.shown}${path}): ${reply.message}.`);
    }
    if (status === 404 || status === 405) {
      const role = base === this.main ? 'the main API' : 'the fallback endpoints (packages and creating client packages)';
      throw new RunError('CONFIG', `The ${what} ${base.shown} does not serve ${role}: ${path} answered ${status}.`);
    }
    if (status === 429 || status >= 500) {
      throw new RunError('API_UNREACHABLE', `The ${what} ${base.shown} is not answering normally: ${reply.message}.`);
    }
    if (!expected(status)) {
      throw new RunError('CONFIG', `The ${what} ${base.shown} answered ${status} for ${path}: ${reply.message}.`);
    }
  }

  /**
   * Every page of a list. When the answer says how many pages or items there are, until those are
   * read, however many items a page holds (a server may give fewer than asked for): a missed page
   * could hide a second client with the same email, or a package the client already has. When it
   * says nothing, until a page is short or larger than asked (not paged). Always until a page
   * brings nothing new, as from a server that ignores `page`.
   */
  private async allPages<T extends { readonly id: string }>(
    route: Route,
    base: Base,
    path: string,
    query: Readonly<Record<string, string>>,
    perPage: number,
    schema: z.ZodType<T[]>,
    evenWhenStopped = false,
  ): Promise<T[]> {
    const byId = new Map<string, T>();
    const pageSchema = listPage(schema);
    for (let page = 1; page <= MAX_PAGES; page++) {
      const { items, pages } = await this.getJson(route, base, withQuery(path, { ...query, page: String(page), per_page: String(perPage) }), pageSchema, evenWhenStopped);
      const before = byId.size;
      for (const item of items) if (!byId.has(item.id)) byId.set(item.id, item);
      if (byId.size === before) return [...byId.values()];
      const more =
        pages.totalPages === undefined && pages.total === undefined
          ? items.length === perPage
          : (pages.totalPages !== undefined && page < pages.totalPages) || (pages.total !== undefined && byId.size < pages.total);
      if (!more) return [...byId.values()];
    }
    throw new ApiError(`${path} still had more pages after ${MAX_PAGES}; stopped reading it.`);
  }

  private async getJson<T>(route: Route, base: Base, path: string, schema: z.ZodType<T>, evenWhenStopped = false): Promise<T> {
    const reply = await this.withRetries(route, base, 'GET', path, undefined, evenWhenStopped);
    const shown = path.split('?')[0]; // errors end up on rows: the path says enough
    if (reply.kind === 'no-answer') {
      throw new ApiError(`GET ${shown}: ${reply.message}`, { networkError: reply.code, ...(reply.status !== undefined && { httpStatus: reply.status }) });
    }
    if (!isSuccess(reply.status) || isErrorEnvelope(reply.json) || reply.truncated) {
      throw new ApiError(reply.message, { httpStatus: reply.status });
    }
    const parsed = schema.safeParse(reply.json);
    if (!parsed.success) {
      throw new ApiError(`unexpected answer from GET ${shown}: ${this.clean(describeMismatch(parsed.error))}`, { httpStatus: reply.status });
    }
    return parsed.data;
  }

  /** Sends until the reply is final: 5xx and network errors retried as decideRetry says. Only for requests that are safe to repeat. */
  private async withRetries(route: Route, base: Base, method: 'GET' | 'POST', path: string, body?: string, evenWhenStopped = false): Promise<Reply> {
    for (let attempt = 1; ; attempt++) {
      const reply = await this.exchange(route, base, method, path, body, undefined, evenWhenStopped);
      // A 429 here has already been waited out MAX_RATE_LIMITED_RESENDS times.
      if (reply.kind === 'answer' && reply.status === 429) return reply;
      const decision = decideRetry({
        attempt,
        maxRetries: this.options.retries,
        ...(reply.kind === 'answer' ? { httpStatus: reply.status, retryAfterMs: reply.retryAfterMs } : { networkError: true }),
        random: this.random,
      });
      if (!decision.retry) return reply;
      await this.sleep(decision.delayMs);
    }
  }

  /** One request through the limiter; a 429 is reported to it and sent again (up to MAX_RATE_LIMITED_RESENDS). */
  private async exchange(
    route: Route,
    base: Base,
    method: 'GET' | 'POST',
    path: string,
    body?: string,
    beforeSend?: () => Promise<void> | undefined,
    evenWhenStopped = false,
  ): Promise<Reply> {
    for (let resends = 0; ; resends++) {
      const reply = await this.options.limiter.run(async (slot) => {
        const ready = beforeSend?.();
        if (ready) await ready;
        const outcome = await this.sendOnce(route, base, method, path, body);
        const reply = this.toReply(outcome, resends);
        if (reply.kind === 'answer' && reply.status === 429) slot.rateLimited(reply.retryAfterMs);
        return reply;
      }, evenWhenStopped);
      if (reply.kind === 'no-answer' || reply.status !== 429 || resends >= MAX_RATE_LIMITED_RESENDS) return reply;
    }
  }

  private async sendOnce(route: Route, base: Base, method: 'GET' | 'POST', path: string, body?: string): Promise<HttpOutcome> {
    const started = performance.now();
    const outcome = await send(this.dispatcherOf(base), {
      origin: base.origin,
      path: base.prefix + path,
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body }),
      timeoutMs: this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
    });
    const durationMs = performance.now() - started;
    this.options.onRequest?.(
      outcome.kind === 'answer'
        ? { method, route, httpStatus: outcome.status, durationMs }
        : { method, route, networkError: outcome.code, ...(outcome.status !== undefined && { httpStatus: outcome.status }), durationMs },
    );
    return outcome;
  }

  private toReply(outcome: HttpOutcome, resends: number): Reply {
    if (outcome.kind === 'no-answer') {
      return { kind: 'no-answer', code: outcome.code, message: `no answer: ${outcome.description} (${outcome.code})`, ...(outcome.status !== undefined && { status: outcome.status }) };
    }
    let json: unknown;
    try {
      json = outcome.text.trim() === '' ? undefined : JSON.parse(outcome.text);
    } catch {
      json = undefined;
    }
    const said = json === undefined ? plainText(outcome.text.slice(0, 10 * MAX_SERVER_TEXT)) : errorText(json);
    let message = said === undefined ? `HTTP ${outcome.status}` : this.clean(said);
    if (outcome.status === 429) message = `rate limited: still 429 after waiting and sending again ${resends} times (${message})`;
    if (outcome.truncated) message = `HTTP ${outcome.status}: the answer was larger than ${MAX_ANSWER_BYTES} bytes`;
    const retryAfterMs = parseRetryAfter(outcome.headers['retry-after'], Date.now());
    return {
      kind: 'answer',
      status: outcome.status,
      json,
      message,
      ...(retryAfterMs !== undefined && { retryAfterMs }),
      ...(outcome.truncated && { truncated: true }),
    };
  }

  /** Server text as shown to a person: short, and never the token even if a proxy echoed it. */
  private clean(text: string): string {
    const short = text.length > MAX_SERVER_TEXT ? `${text.slice(0, MAX_SERVER_TEXT)}…` : text;
    return this.token ? short.split(this.token).join('[token]') : short;
  }

  private dispatcherOf(base: Base): Dispatcher {
    let dispatcher = this.dispatchers.get(base.origin);
    if (!dispatcher) {
      if (this.options.dispatcherFor) {
        dispatcher = this.options.dispatcherFor(base.origin);
      } else {
        dispatcher = createPool(base.origin, {
          connections: this.options.concurrency,
          connectTimeoutMs: this.options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS,
          responseTimeoutMs: this.options.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS,
        });
        this.ownPools.push(dispatcher);
      }
      this.dispatchers.set(base.origin, dispatcher);
    }
    return dispatcher;
  }
}

/** A failed list read as the reply it came from, for the preflight's verdict. */
function replyOf(error: ApiError): Reply {
  if (error.networkError !== undefined) {
    return { kind: 'no-answer', code: error.networkError, message: error.message, ...(error.httpStatus !== undefined && { status: error.httpStatus }) };
  }
  return { kind: 'answer', status: error.httpStatus ?? 200, json: undefined, message: error.message };
}

/** What a list answer says about its pages, in `data.pagination` or a top-level `pagination`; numbers may come as strings. */
interface PageCounts {
  readonly totalPages?: number;
  readonly total?: number;
}

/** A list answer read by `items`, with its page counts beside the items. */
function listPage<T>(items: z.ZodType<T[]>): z.ZodType<{ items: T[]; pages: PageCounts }> {
  return z.unknown().transform((json, ctx) => {
    const parsed = items.safeParse(json);
    if (!parsed.success) {
      for (const { message, path } of parsed.error.issues) ctx.addIssue({ code: 'custom', message, path });
      return z.NEVER;
    }
    return { items: parsed.data, pages: pageCountsOf(json) };
  });
}

function pageCountsOf(json: unknown): PageCounts {
  const data = fieldOf(json, 'data');
  const pagination = fieldOf(data, 'pagination') ?? fieldOf(json, 'pagination');
  const totalPages = countOf(fieldOf(pagination, 'total_pages'));
  const total = countOf(fieldOf(pagination, 'total'));
  return { ...(totalPages !== undefined && { totalPages }), ...(total !== undefined && { total }) };
}

function fieldOf(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>)[name] : undefined;
}

function countOf(value: unknown): number | undefined {
  const n = typeof value === 'string' && /^\s*\d+\s*$/.test(value) ? Number(value) : value;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

function withQuery(path: string, query: Readonly<Record<string, string>>): string {
  const search = new URLSearchParams(query).toString();
  return search ? `${path}?${search}` : path;
}

/** A non-JSON body as one short line: an HTML error page reads as its text. */
function plainText(text: string): string | undefined {
  const line = text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim();
  return line || undefined;
}
