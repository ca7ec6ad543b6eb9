// An ApiClient wired to scripted loopback servers with injected time, as the tests use it.
import { afterEach } from 'vitest';
import { ApiClient, type ApiClientOptions } from '../../../src/execute/api-client.js';
import type { RequestEvent } from '../../../src/execute/api-types.js';
import { createLimiter } from '../../../src/execute/rate-limit.js';
import { jumpClock, startScriptedServer, type Answer, type ScriptedServer } from './scripted-server.js';

export const TOKEN = 'tok_SECRET_5f1e9c2a7b';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  await Promise.all(cleanups.splice(0).map((cleanup) => cleanup()));
});

export async function serve(answer: Answer): Promise<ScriptedServer> {
  const server = await startScriptedServer(answer);
  cleanups.push(() => server.close());
  return server;
}

/** A client for `mainUrl` (and `fallbackUrl`, the same by default); the limiter's and the client's waits are recorded apart. */
export function clientFor(mainUrl: string, options: Partial<ApiClientOptions> & { fallbackUrl?: string } = {}) {
  const limiterClock = jumpClock();
  const clientClock = jumpClock();
  const events: RequestEvent[] = [];
  const limiter = createLimiter({ rate: 1000, concurrency: 4, now: limiterClock.now, sleep: limiterClock.sleep });
  const client = new ApiClient({
    apiUrl: mainUrl,
    fallbackUrl: options.fallbackUrl ?? mainUrl,
    token: TOKEN,
    limiter,
    retries: 2,
    concurrency: 4,
    sleep: clientClock.sleep,
    random: () => 0.5,
    onRequest: (e) => events.push(e),
    ...options,
  });
  cleanups.push(() => client.close());
  /** Pauses the limiter made everyone take (its spacing waits of about 1 ms left out). */
  const pauses = () => limiterClock.sleeps.filter((ms) => ms > 10);
  return { client, limiter, events, pauses, retryWaits: clientClock.sleeps };
}
