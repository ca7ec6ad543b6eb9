// The preflight the API client runs before any row is sent, and its verdicts: each reply that stops
// the run becomes a RunError (TOKEN_REJECTED, TOKEN_NOT_STAFF, API_UNREACHABLE, CONFIG) naming the
// URL it came from.
import { RunError } from '../errors.js';
import { CLIENTS_PATH, CREATE_PATH, PACKAGES_PATH, withQuery } from './api-endpoints.js';
import { clientsAnswer } from './api-schemas.js';
import { ApiError, isSuccess, type Reply } from './api-reply.js';
import type { ApiTransport } from './api-transport.js';
import type { Package } from './api-types.js';
import type { Base } from './api-url.js';

/** What the preflight asks through: the client's two URLs, its transport, and its package list. */
export interface PreflightAccess {
  readonly main: Base;
  readonly fallback: Base;
  readonly transport: ApiTransport;
  listPackages(): Promise<Package[]>;
}

/** One of the two base URLs as the preflight names it: what it is called and what it should serve. */
interface CheckedUrl {
  readonly base: Base;
  readonly what: string;
  readonly role: string;
}

/** ApiClient.preflight(): the three requests at once, then the verdicts in order, main URL first. */
export async function runPreflight({ main, fallback, transport, listPackages }: PreflightAccess): Promise<Package[]> {
  const mainUrl: CheckedUrl = { base: main, what: 'main API URL (PLATFORM_API_URL / --api-url)', role: 'the main API' };
  const fallbackUrl: CheckedUrl = {
    base: fallback,
    what: 'fallback API URL (PLATFORM_FALLBACK_API_URL / --fallback-url)',
    role: 'the fallback endpoints (packages and creating client packages)',
  };
  // All three settle before any verdict, so none is left running when one fails.
  const [clients, listed, probe] = await Promise.all([
    transport.withRetries('clients', main, 'GET', withQuery(CLIENTS_PATH, { page: '1', per_page: '1' })),
    listPackages().then(
      (packages) => ({ packages }),
      (error: unknown) => ({ error }),
    ),
    // An empty body cannot create anything: a staff token gets a 422 about a missing field, a
    // directory token a 422 "Unauthorized". So this probe may be retried like a read.
    transport.withRetries('create', fallback, 'POST', CREATE_PATH, '{}'),
  ]);

  preflightVerdict(clients, mainUrl, CLIENTS_PATH, isSuccess);
  if (clients.kind === 'answer' && !clientsAnswer.safeParse(clients.json).success) {
    throw new RunError('CONFIG', `The ${mainUrl.what} ${main.shown} answered ${CLIENTS_PATH}, but not like the platform API.`);
  }

  if ('error' in listed) {
    if (!(listed.error instanceof ApiError)) throw listed.error;
    preflightVerdict(replyOf(listed.error), fallbackUrl, PACKAGES_PATH, isSuccess);
    throw new RunError('CONFIG', `The ${fallbackUrl.what} ${fallback.shown} answered ${PACKAGES_PATH}, but not like the platform API (${listed.error.message}).`);
  }

  if (probe.kind === 'answer' && isSuccess(probe.status)) {
    throw new RunError('CONFIG', `The ${fallbackUrl.what} ${fallback.shown} accepted an empty create request (${probe.status}); it does not behave like the platform API, so nothing is sent.`);
  }
  preflightVerdict(probe, fallbackUrl, CREATE_PATH, (status) => status === 400 || status === 422);
  if (probe.kind === 'answer' && /unauthori[sz]ed/i.test(probe.message)) {
    throw new RunError('TOKEN_NOT_STAFF', `The platform refused the token for creating client packages (${probe.status} "${probe.message}"): it is a directory token.`);
  }
  return listed.packages;
}

/** Throws the RunError a preflight reply calls for, unless it is an answer with an `expected` status. */
function preflightVerdict(reply: Reply, { base, what, role }: CheckedUrl, path: string, expected: (status: number) => boolean): void {
  if (reply.kind === 'no-answer') {
    throw new RunError('API_UNREACHABLE', `Cannot reach the ${what} ${base.shown}: ${reply.message}.`);
  }
  const { status } = reply;
  if (status === 401 || status === 403) {
    throw new RunError('TOKEN_REJECTED', `The platform refused the token (${status} at ${base.shown}${path}): ${reply.message}.`);
  }
  if (status === 404 || status === 405) {
    throw new RunError('CONFIG', `The ${what} ${base.shown} does not serve ${role}: ${path} answered ${status}.`);
  }
  if (status === 429 || status >= 500) {
    throw new RunError('API_UNREACHABLE', `The ${what} ${base.shown} is not answering normally: ${reply.message}.`);
  }
  if (!expected(status)) {
    throw new RunError('CONFIG', `The ${what} ${base.shown} answered ${status} for ${path}: ${reply.message}.`);
  }
}

/** A failed list read as the reply it came from, for the preflight's verdict. */
function replyOf(error: ApiError): Reply {
  if (error.networkError !== undefined) {
    return { kind: 'no-answer', code: error.networkError, message: error.message, ...(error.httpStatus !== undefined && { status: error.httpStatus }) };
  }
  return { kind: 'answer', status: error.httpStatus ?? 200, json: undefined, message: error.message };
}
