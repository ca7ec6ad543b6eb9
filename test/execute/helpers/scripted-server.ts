// A tiny HTTP server on a loopback port for the API client's tests: each test scripts the answers,
// and every request is recorded (method, path, query, headers, body) to assert on afterwards.
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

export type Answer = (request: RecordedRequest, response: ServerResponse) => void | Promise<void>;

export interface ScriptedServer {
  readonly url: string;
  readonly requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startScriptedServer(answer: Answer): Promise<ScriptedServer> {
  const requests: RecordedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const recorded = { method: req.method ?? '', path: url.pathname, query: url.searchParams, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
      requests.push(recorded);
      void Promise.resolve(answer(recorded, res)).catch((error: unknown) => res.destroy(error as Error));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

export function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

export const ok = (data: unknown) => ({ status: 'OK', data });
export const failure = (error: string) => ({ status: 'Error', error });
export const failures = (...errors: Array<{ code: string; message: string }>) => ({ success: false, errors });

/** A client as the API answers it, `n` its id's number. */
export const clientRow = (n: number, email = `c${n}@example.com`) => ({
  id: `cl_${n}`,
  email,
  first_name: 'Ann',
  last_name: null,
  created_at: '2024-01-01T00:00:00Z',
  updated_at: '2024-01-01T00:00:00Z',
});

/** A client package as the API answers it, `n` its id's number. */
export const clientPackageRow = (n: number, overrides: Record<string, unknown> = {}) => ({
  id: `cp_${n}`,
  client_id: 'cl_1',
  package_id: 'pk_1',
  business_id: 'b_1',
  conversation_id: 'cv_1',
  name: 'Package 1',
  amount: '223.50',
  currency: 'USD',
  valid_from: '2024-03-01',
  valid_until: '2024-04-01',
  active: 'true',
  booking_credits: [],
  products: [],
  total_bookings: '10',
  bookings_usage: 0,
  created_at: '2024-03-01T10:00:00Z',
  ...overrides,
});

/** Closes the connection without any answer. */
export function drop(response: ServerResponse): void {
  response.socket?.destroy();
}

/** Sends the status line and part of the body, then closes the connection. */
export function dropMidAnswer(response: ServerResponse, status: number): void {
  response.writeHead(status, { 'content-type': 'application/json', 'content-length': '1000' });
  response.write('{"status":"OK","data":{');
  setTimeout(() => response.socket?.destroy(), 10);
}

/** Time that moves only when someone sleeps: real I/O runs as usual, every wait asked for is recorded. */
export function jumpClock() {
  let time = 1_000_000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => time,
    sleep: async (ms: number) => {
      sleeps.push(ms);
      time += ms;
    },
  };
}
