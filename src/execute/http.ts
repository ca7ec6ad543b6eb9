// One HTTP exchange over an undici dispatcher, reduced to what the API client decides on: an answer
// (status, headers, the whole body as text) or no answer (a code and a few words). The body is
// always read to its end, so the socket goes back to the pool, or the request is aborted (an answer
// past MAX_ANSWER_BYTES), which closes its connection. Nothing from the request
// (headers, so the token) ever reaches the outcome: network failures keep only their code.
import type { Dispatcher } from 'undici';
import { Pool } from './undici-pool.js';

export interface HttpRequest {
  readonly origin: string;
  /** Path and query string. */
  readonly path: string;
  readonly method: 'GET' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string;
  /** Headers must arrive, and the body must keep coming, within this. */
  readonly timeoutMs: number;
}

export type HttpOutcome =
  | {
      readonly kind: 'answer';
      readonly status: number;
      readonly headers: Readonly<Record<string, string | string[] | undefined>>;
      readonly text: string;
      /** The body was larger than MAX_ANSWER_BYTES; `text` is its start. */
      readonly truncated: boolean;
    }
  | {
      readonly kind: 'no-answer';
      /** `ECONNREFUSED`, `UND_ERR_SOCKET`, `UND_ERR_HEADERS_TIMEOUT`, ... */
      readonly code: string;
      readonly description: string;
      /** Set when the status line arrived before the connection failed. */
      readonly status?: number;
    };

export const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Failures where no (complete) answer came, with words for a person. Other errors are bugs. */
const NETWORK_FAILURES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ECONNABORTED: 'connection aborted',
  EPIPE: 'connection closed while sending',
  ETIMEDOUT: 'connection timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  UND_ERR_SOCKET: 'connection closed before the answer was complete',
  UND_ERR_CONNECT_TIMEOUT: 'connect timed out',
  UND_ERR_HEADERS_TIMEOUT: 'no answer in time',
  UND_ERR_BODY_TIMEOUT: 'the answer stopped coming',
  UND_ERR_RES_CONTENT_LENGTH_MISMATCH: 'the answer was cut short',
};

/** One keep-alive pool per origin, one connection per concurrent request. */
export function createPool(origin: string, options: { connections: number; connectTimeoutMs: number; responseTimeoutMs: number }): Pool {
  return new Pool(origin, {
    connections: options.connections,
    connectTimeout: options.connectTimeoutMs,
    headersTimeout: options.responseTimeoutMs,
    bodyTimeout: options.responseTimeoutMs,
  });
}

/**
 * Sends one request and gathers its answer, through undici's handler interface: the body arrives
 * as chunks straight into a list, with no stream to build and drain per answer.
 */
export function send(dispatcher: Dispatcher, request: HttpRequest): Promise<HttpOutcome> {
  return new Promise((resolve, reject) => {
    let status: number | undefined;
    let headers: Record<string, string | string[] | undefined> = {};
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    /** The first outcome counts; what undici reports after it (the abort of a truncated answer) does not. */
    const settle = (outcome: () => HttpOutcome) => {
      if (settled) return;
      settled = true;
      try {
        resolve(outcome());
      } catch (bug) {
        reject(bug); // not a network failure: noAnswer passes it on
      }
    };
    const answer = (truncated: boolean) => (): HttpOutcome => ({
      kind: 'answer',
      status: status ?? 0,
      headers,
      text: Buffer.concat(chunks, size).toString('utf8'),
      truncated,
    });
    const handler: Dispatcher.DispatchHandler = {
      // undici takes a handler with onRequestStart for one of this interface, even when it has nothing to do.
      onRequestStart() {},
      onResponseStart(_controller, statusCode, responseHeaders) {
        if (statusCode < 200) return; // 1xx: the answer is still to come
        status = statusCode;
        headers = responseHeaders as Record<string, string | string[] | undefined>;
      },
      onResponseData(controller, chunk) {
        if (settled) return;
        if (size + chunk.length > MAX_ANSWER_BYTES) {
          settle(answer(true));
          controller.abort(new Error('answer too large'));
          return;
        }
        chunks.push(chunk);
        size += chunk.length;
      },
      onResponseEnd() {
        settle(answer(false));
      },
      onResponseError(_controller, error) {
        settle(() => noAnswer(error, status));
      },
    };
    try {
      dispatcher.dispatch(
        {
          origin: request.origin,
          path: request.path,
          method: request.method,
          headers: request.headers,
          body: request.body ?? null,
          headersTimeout: request.timeoutMs,
          bodyTimeout: request.timeoutMs,
          // Never re-sent by undici itself: a create is sent once, and the caller decides on reads.
          idempotent: false,
        },
        handler,
      );
    } catch (error) {
      settle(() => noAnswer(error, status));
    }
  });
}

function noAnswer(error: unknown, status?: number): HttpOutcome {
  const code = networkCode(error);
  if (code === undefined) throw error;
  const description = NETWORK_FAILURES[code] ?? (/CERT|TLS|SSL/.test(code) ? 'TLS handshake failed' : 'network error');
  return { kind: 'no-answer', code, description, ...(status !== undefined && { status }) };
}

/** The code of a network failure, looking inside the wrappers Node and undici put around it. */
function networkCode(error: unknown): string | undefined {
  for (const candidate of [error, causeOf(error), firstOf(error)]) {
    const code = (candidate as { code?: unknown } | undefined)?.code;
    if (typeof code !== 'string') continue;
    if (code in NETWORK_FAILURES || /^E[A-Z]+$/.test(code) || /CERT|TLS|SSL/.test(code)) return code;
  }
  return undefined;
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}

function firstOf(error: unknown): unknown {
  return error instanceof AggregateError ? error.errors[0] : undefined;
}
