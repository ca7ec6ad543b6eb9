// How the API client's requests go out: one undici pool per origin (or the injected dispatcher),
// every request through the run's one limiter with the token in the Authorization header, a 429
// reported to the limiter and sent again, and reads retried on 5xx and network errors as
// decideRetry says. close() and destroy() end the pools and every wait before a retry.
import { setMaxListeners } from 'node:events';
import { setTimeout as delay } from 'node:timers/promises';
import type { Dispatcher } from 'undici';
import type { ApiClientOptions } from './api-client.js';
import type { Route } from './api-endpoints.js';
import { cleanServerText, toReply, type Reply } from './api-reply.js';
import type { Base } from './api-url.js';
import { createPool, send, type HttpOutcome } from './http.js';
import { decideRetry } from './retry.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 60_000;
/** 429s are not counted against the retries, but a server that never stops answering 429 must not hold a run forever. */
export const MAX_RATE_LIMITED_RESENDS = 100;

/** What the transport needs of the client's options: everything but where to send and what to check first. */
export type TransportOptions = Omit<ApiClientOptions, 'apiUrl' | 'fallbackUrl' | 'token' | 'beforeCreate'>;

export class ApiTransport {
  private readonly dispatchers = new Map<string, Dispatcher>();
  private readonly ownPools: Dispatcher[] = [];
  private readonly sleep: (ms: number) => Promise<void>;
  private readonly random: () => number;
  /** Aborted by close(): a read waiting to be sent again gives up rather than outlive the client. */
  private readonly closing = new AbortController();
  private closed: Promise<void> | undefined;
  private destroyed: Promise<void> | undefined;

  /** `token` is already trimmed and checked: it goes into the Authorization header and nowhere else. */
  constructor(
    private readonly options: TransportOptions,
    private readonly token: string,
  ) {
    // Every read waiting out a retry listens for close(): many at once is expected, not a leak.
    setMaxListeners(0, this.closing.signal);
    this.sleep = options.sleep ?? ((ms) => delay(ms, undefined, { signal: this.closing.signal }));
    this.random = options.random ?? Math.random;
  }

  /** Sends until the reply is final: 5xx and network errors retried as decideRetry says. Only for requests that are safe to repeat. */
  async withRetries(route: Route, base: Base, method: 'GET' | 'POST', path: string, body?: string, evenWhenStopped = false): Promise<Reply> {
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
  async exchange(
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
        const reply = toReply(outcome, resends, this.token);
        if (reply.kind === 'answer' && reply.status === 429) slot.rateLimited(reply.retryAfterMs);
        return reply;
      }, evenWhenStopped);
      if (reply.kind === 'no-answer' || reply.status !== 429 || resends >= MAX_RATE_LIMITED_RESENDS) return reply;
    }
  }

  /** Server text as shown to a person: short, and never the token even if a proxy echoed it. */
  clean(text: string): string {
    return cleanServerText(text, this.token);
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
