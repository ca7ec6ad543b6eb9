// The platform API as the tool uses it. Every call goes through the run's one limiter; reads are
// retried on 5xx and network errors, a 429 is waited out and sent again (it was not processed), and
// the create is sent exactly once otherwise: an unclear outcome comes back as 'unknown' for the
// caller to read back. The token goes into the Authorization header and nowhere else.
// The sending itself is in api-transport.ts, the reading of replies in api-reply.ts, paging in
// api-paging.ts and the preflight's verdicts in api-preflight.ts.
import type { Dispatcher } from 'undici';
import type * as z from 'zod';
import { RunError } from '../errors.js';
import { emailKey } from '../resolve/keys.js';
import { CLIENTS_PATH, CREATE_PATH, PACKAGES_PATH, clientPackagesPath, type Route } from './api-endpoints.js';
import { readAllPages } from './api-paging.js';
import { runPreflight } from './api-preflight.js';
import { ApiError, isSuccess } from './api-reply.js';
import { clientPackagesAnswer, clientsAnswer, createdAnswer, describeMismatch, isControllerError, isErrorEnvelope, packagesAnswer } from './api-schemas.js';
import { ApiTransport } from './api-transport.js';
import type { Client, ClientPackage, CreateBody, CreateResult, Package, RequestEvent } from './api-types.js';
import { baseOf, type Base } from './api-url.js';
import type { RequestLimiter } from './rate-limit.js';

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

export { ApiError } from './api-reply.js';
export { checkApiUrl } from './api-url.js';
export { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_RESPONSE_TIMEOUT_MS, MAX_RATE_LIMITED_RESENDS } from './api-transport.js';
export { MAX_PAGES } from './api-paging.js';

/** Clients are searched at the documented maximum page size. */
export const CLIENTS_PER_PAGE = 50;
/**
 * Other lists ask for the documented default page size, so a server that silently caps the page
 * size cannot make a full page look like the last one; a missed existing package would be billed twice.
 */
export const LIST_PER_PAGE = 25;
/** Failures to connect at all: the request never left, so nothing can come of it. */
const NEVER_CONNECTED: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'UND_ERR_CONNECT_TIMEOUT']);

export class ApiClient {
  private readonly main: Base;
  private readonly fallback: Base;
  private readonly transport: ApiTransport;

  constructor(private readonly options: ApiClientOptions) {
    this.main = baseOf(options.apiUrl);
    this.fallback = baseOf(options.fallbackUrl);
    const token = options.token.trim();
    // A line break would make undici refuse the header with an error far from its cause.
    if (/[\x00-\x1f\x7f]/.test(token)) {
      throw new RunError('CONFIG', 'PLATFORM_STAFF_TOKEN contains a line break or another control character; set it again.');
    }
    // An HTTP header carries bytes, not text: a character past Latin-1 (a typographic quote or dash
    // pasted from a document) cannot be sent at all.
    if (/[^\x20-\xff]/u.test(token)) {
      throw new RunError('CONFIG', 'PLATFORM_STAFF_TOKEN contains a character a token cannot have, perhaps from copying it out of a document; copy it again from the platform.');
    }
    this.transport = new ApiTransport(options, token);
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
    const reply = await this.transport.exchange('create', this.fallback, 'POST', CREATE_PATH, JSON.stringify(body), this.options.beforeCreate);
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
      return { kind: 'unknown', httpStatus: status, message: `the create answered ${status} but the answer could not be read (${this.transport.clean(why)})`, finished: false };
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
  preflight(): Promise<Package[]> {
    return runPreflight({ main: this.main, fallback: this.fallback, transport: this.transport, listPackages: () => this.listPackages() });
  }

  /** Closes the pools this client made (a dispatcher from `dispatcherFor` is left to whoever made it) and ends every wait before a retry. */
  close(): Promise<void> {
    return this.transport.close();
  }

  /** Like close(), but requests still under way are cut off instead of waited for. Only for requests whose answers no longer matter. */
  destroy(): Promise<void> {
    return this.transport.destroy();
  }

  /** Every page of a list, each read as getJson reads (see readAllPages for how far). */
  private allPages<T extends { readonly id: string }>(
    route: Route,
    base: Base,
    path: string,
    query: Readonly<Record<string, string>>,
    perPage: number,
    schema: z.ZodType<T[]>,
    evenWhenStopped = false,
  ): Promise<T[]> {
    return readAllPages((pagePath, pageSchema) => this.getJson(route, base, pagePath, pageSchema, evenWhenStopped), path, query, perPage, schema);
  }

  private async getJson<T>(route: Route, base: Base, path: string, schema: z.ZodType<T>, evenWhenStopped = false): Promise<T> {
    const reply = await this.transport.withRetries(route, base, 'GET', path, undefined, evenWhenStopped);
    const shown = path.split('?')[0]; // errors end up on rows: the path says enough
    if (reply.kind === 'no-answer') {
      throw new ApiError(`GET ${shown}: ${reply.message}`, { networkError: reply.code, ...(reply.status !== undefined && { httpStatus: reply.status }) });
    }
    if (!isSuccess(reply.status) || isErrorEnvelope(reply.json) || reply.truncated) {
      throw new ApiError(reply.message, { httpStatus: reply.status });
    }
    const parsed = schema.safeParse(reply.json);
    if (!parsed.success) {
      throw new ApiError(`unexpected answer from GET ${shown}: ${this.transport.clean(describeMismatch(parsed.error))}`, { httpStatus: reply.status });
    }
    return parsed.data;
  }
}
