// startSandbox: the platform API of api/CONTRACT.md on node:http, one port for both roles or two
// when split, with the fault knobs and an inspector. Requests pass the same gates as on the real
// platform, in this order: route (404/405), body size (413), token (401), rate (429), injected
// 500, then the endpoint; the create also reads its JSON body (415/400) and may drop the socket.

import { randomInt } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createClientPackage } from './create.js';
import { loadSandboxData, type SandboxData } from './data.js';
import { FaultPlan } from './faults.js';
import { readBody, readJsonObject, send } from './http.js';
import { createInspector, inspectionAnswer, isInspectionPath, RequestStats, type SandboxInspector } from './inspect.js';
import { controllerError, gatewayError, matchRoute, type Answer, type Role } from './routes.js';
import { SandboxStore } from './store.js';

export type { SandboxData } from './data.js';
export type { SandboxInspector, FaultKnobs } from './inspect.js';
export type { CreatedRecord, ClientPackageWire } from './store.js';

export interface SandboxOptions {
  /** 0 = any free port (the default). */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Main and fallback roles on two ports; giving fallbackPort implies it. */
  split?: boolean;
  fallbackPort?: number;
  /** An object or the path of a JSON file in the format of samples/README.md; default: samples/sandbox-data.json. */
  data?: SandboxData | string;
  /** Added before answering every API request. */
  latencyMs?: number;
  /** Requests per second per token (token bucket, burst = rate); over it 429 with Retry-After. 0 or unset = no limit. */
  rate?: number;
  /** Probability of a 500 before acting, on any endpoint. */
  failRate?: number;
  /** Probability that the socket of a create is destroyed before it is processed. */
  dropBefore?: number;
  /** Probability that a create is committed and then its socket destroyed with no answer. */
  dropAfter?: number;
  /**
   * Probability that a create is answered at once with a gateway's 504, as a gateway that gave up
   * waiting does, while the platform behind it makes the package lateCommitMs (default 2000) later.
   */
  lateCommit?: number;
  lateCommitMs?: number;
  /** Seeds every fault decision; default: a random seed, reported as Sandbox.seed. */
  seed?: number;
}

export interface Sandbox {
  /** e.g. http://127.0.0.1:PORT; equal unless split. */
  mainUrl: string;
  fallbackUrl: string;
  tokens: { staff: string; directory: string };
  inspect: SandboxInspector;
  /** The seed in use, to replay the same faults. */
  seed: number;
  /** Stops listening and closes every socket, keep-alive ones included. */
  close(): Promise<void>;
}

const UNMATCHED = 'unmatched';
const BEARER = /^Bearer\s+(\S+)$/i;

class RequestHandler {
  private closed = false;
  private readonly sleepers = new Set<() => void>();

  constructor(
    private readonly store: SandboxStore,
    private readonly stats: RequestStats,
    private readonly faults: FaultPlan,
    private readonly inspector: SandboxInspector,
  ) {}

  listener(roles: ReadonlySet<Role>) {
    return (req: IncomingMessage, res: ServerResponse): void => {
      res.on('error', () => undefined);
      this.handle(req, res, roles).catch(() => {
        // A bug in a handler must not take the server down or leave the client waiting.
        if (!res.headersSent) send(res, controllerError(500, 'Internal server error'));
        else res.destroy();
      });
    };
  }

  shutdown(): void {
    this.closed = true;
    for (const wake of this.sleepers) wake();
  }

  private async handle(req: IncomingMessage, res: ServerResponse, roles: ReadonlySet<Role>): Promise<void> {
    const arrivedAt = performance.now();
    const url = req.url ?? '/';
    const queryAt = url.indexOf('?');
    const path = queryAt < 0 ? url : url.slice(0, queryAt);
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (body.kind === 'aborted' || this.closed) return;
    if (isInspectionPath(path)) {
      const text = body.kind === 'read' ? body.bytes.toString('utf8') : '';
      send(res, inspectionAnswer(method, path, text, this.inspector, this.faults));
      return;
    }
    const { latencyMs } = this.faults.settings;
    // The added latency is the time from the request's arrival to its answer, reading included.
    const waitMs = latencyMs - (performance.now() - arrivedAt);
    if (latencyMs > 0 && !(await this.sleep(Math.max(0, waitMs)))) return;

    const match = matchRoute(method, path, roles);
    if (match.kind === 'error') return this.answer(res, UNMATCHED, match.answer);
    const { route, params } = match;
    if (body.kind === 'too-large') {
      return this.answer(res, route.key, gatewayError(413, 'payload_too_large', 'The body is larger than 1 MiB'));
    }
    const token = BEARER.exec(req.headers.authorization?.trim() ?? '')?.[1];
    const auth = token === undefined ? undefined : this.store.tokens.get(token);
    if (token === undefined || auth === undefined) return this.answer(res, route.key, controllerError(401, 'Unauthorized'));
    const admission = this.faults.admit(token);
    if (!admission.allowed) {
      const retryAfter = { 'retry-after': String(admission.retryAfterSeconds) };
      return this.answer(res, route.key, controllerError(429, 'Too many requests', retryAfter));
    }
    if (this.faults.shouldFail()) return this.answer(res, route.key, controllerError(500, 'Internal server error'));

    if (route.handle) {
      const query = new URLSearchParams(queryAt < 0 ? '' : url.slice(queryAt + 1));
      return this.answer(res, route.key, route.handle({ store: this.store, auth, query, params }));
    }
    const json = readJsonObject(req, body.bytes);
    if (json.kind === 'error') return this.answer(res, route.key, json.answer);
    // Every stream is drawn before any decides, and before the outcome is known, so each advances once
    // per create whatever the others and the knobs say.
    const dropBefore = this.faults.shouldDropBefore();
    const commitLate = this.faults.shouldCommitLate();
    const dropAfter = this.faults.shouldDropAfter();
    if (dropBefore) return this.drop(req, route.key);
    if (commitLate) {
      const body = json.value;
      void this.sleep(this.faults.settings.lateCommitMs).then((open) => open && createClientPackage(this.store, auth, body));
      return this.answer(res, route.key, gatewayError(504, 'gateway_timeout', 'The upstream server did not answer in time'));
    }
    const outcome = createClientPackage(this.store, auth, json.value);
    if (outcome.status === 422) return this.answer(res, route.key, controllerError(422, outcome.message));
    if (dropAfter) {
      outcome.record.response = null;
      return this.drop(req, route.key);
    }
    this.answer(res, route.key, { status: 201, body: outcome.record.response?.body });
  }

  private answer(res: ServerResponse, routeKey: string, answer: Answer): void {
    this.stats.record(routeKey, answer.status);
    send(res, answer);
  }

  private drop(req: IncomingMessage, routeKey: string): void {
    this.stats.record(routeKey, 'dropped');
    req.socket.destroy();
  }

  /** Resolves true after `ms`, or false at once when the sandbox closes meanwhile. */
  private sleep(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        this.sleepers.delete(wake);
        resolve(!this.closed);
      };
      const timer = setTimeout(wake, ms);
      this.sleepers.add(wake);
    });
  }
}

function checkPort(name: string, port: number | undefined): void {
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new RangeError(`${name} must be an integer from 0 to 65535 (0 = any free port), got ${String(port)}`);
  }
}

function listen(server: Server, port: number, host: string, role: string): Promise<string> {
  return new Promise((resolve, reject) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const why = error.code === 'EADDRINUSE' ? `port ${port} is already in use (choose another port, or 0 for any free one)` : error.message;
      reject(new Error(`The sandbox could not listen for the ${role} role on ${host}:${port}: ${why}`));
    });
    server.listen(port, host, () => {
      const { port: bound } = server.address() as AddressInfo;
      // A wildcard address is not somewhere to send requests: show loopback instead.
      const shown = host === '0.0.0.0' ? '127.0.0.1' : host === '::' ? '::1' : host;
      resolve(`http://${shown.includes(':') ? `[${shown}]` : shown}:${bound}`);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

function newServer(handler: RequestHandler, roles: Role[]): Server {
  // Node's own clientError handling already answers unparseable HTTP with 400 and closes the socket.
  return createServer({ keepAliveTimeout: 5_000, requestTimeout: 30_000 }, handler.listener(new Set(roles)));
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  checkPort('port', options.port);
  checkPort('fallbackPort', options.fallbackPort);
  if (options.seed !== undefined && !Number.isInteger(options.seed)) throw new RangeError(`seed must be an integer, got ${options.seed}`);
  const seed = options.seed ?? randomInt(0, 2 ** 32 - 1);
  const { latencyMs, rate, failRate, dropBefore, dropAfter, lateCommit, lateCommitMs } = options;
  const faults = new FaultPlan(seed, { latencyMs, rate, failRate, dropBefore, dropAfter, lateCommit, lateCommitMs });
  const data = await loadSandboxData(options.data);
  const store = new SandboxStore(data);
  const stats = new RequestStats();
  const inspect = createInspector(store, stats, faults);
  const handler = new RequestHandler(store, stats, faults, inspect);
  const host = options.host ?? '127.0.0.1';
  const split = options.split === true || options.fallbackPort !== undefined;

  const main = newServer(handler, split ? ['main'] : ['main', 'fallback']);
  const servers = [main];
  const mainUrl = await listen(main, options.port ?? 0, host, split ? 'main' : 'main and fallback');
  let fallbackUrl = mainUrl;
  if (split) {
    const fallback = newServer(handler, ['fallback']);
    servers.push(fallback);
    try {
      fallbackUrl = await listen(fallback, options.fallbackPort ?? 0, host, 'fallback');
    } catch (error) {
      await closeServer(main);
      throw error;
    }
  }

  let closing: Promise<void> | undefined;
  return {
    mainUrl,
    fallbackUrl,
    tokens: { ...data.tokens },
    inspect,
    seed,
    close: () => {
      closing ??= (async () => {
        handler.shutdown();
        await Promise.all(servers.map(closeServer));
      })();
      return closing;
    },
  };
}
