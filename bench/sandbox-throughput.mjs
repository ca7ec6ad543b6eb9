// How many requests a second the sandbox answers with no latency: the e2e tests and the import
// benchmarks must measure the client, not the simulator. Runs against the build:
//   npm run build && node bench/sandbox-throughput.mjs [--seconds 4] [--concurrency 48] [--separate]
// --separate runs the sandbox in a worker thread, so client and server each have a core; without it
// both share one thread and the figure is a floor.

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { Pool } from 'undici';
import { startSandbox } from '../dist/sandbox/server.js';

if (!isMainThread) {
  const sandbox = await startSandbox(workerData);
  parentPort.postMessage({ mainUrl: sandbox.mainUrl, tokens: sandbox.tokens });
  parentPort.once('message', async () => {
    await sandbox.close();
    process.exit(0);
  });
} else {
  const { values } = parseArgs({
    options: { seconds: { type: 'string', default: '4' }, concurrency: { type: 'string', default: '48' }, separate: { type: 'boolean', default: false } },
  });
  await run(Number(values.seconds), Number(values.concurrency), values.separate);
}

async function startServer(separate) {
  const options = { port: 0, latencyMs: 0, seed: 1 };
  if (!separate) {
    const sandbox = await startSandbox(options);
    return { ...sandbox, stop: () => sandbox.close() };
  }
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  const info = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  return { ...info, stop: () => new Promise((resolve) => worker.once('exit', resolve).postMessage('stop')) };
}

async function run(seconds, concurrency, separate) {
  const data = JSON.parse(await readFile(new URL('../samples/sandbox-data.json', import.meta.url), 'utf8'));
  const clients = data.clients.filter((c) => !c.business_id);
  const packages = data.packages.filter((p) => !p.business_id && p.active !== false);
  const server = await startServer(separate);
  const pool = new Pool(server.mainUrl, { connections: concurrency });
  const headers = { authorization: `Bearer ${server.tokens.staff}` };
  let n = 0;

  const byEmail = () => {
    const client = clients[n++ % clients.length];
    return { method: 'GET', path: `/platform/v1/clients?search_by=email&search_term=${encodeURIComponent(client.email)}`, headers };
  };
  const create = () => {
    const i = n++;
    const day = new Date(Date.UTC(2026, 0, 1) + (i % 3650) * 86_400_000).toISOString().slice(0, 10);
    const body = { client_id: clients[i % clients.length].id, package_id: packages[i % packages.length].id, valid_from: day };
    return { method: 'POST', path: '/platform/v1/payment/client_packages', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify(body) };
  };
  const mixed = () => (n % 4 === 0 ? create() : byEmail());

  await phase(pool, mixed, 1, concurrency); // warm-up: JIT and connections, not reported
  console.log(`sandbox throughput: ${seconds}s per phase, ${concurrency} in flight, ${separate ? 'sandbox in a worker thread' : 'sandbox in this thread'}`);
  let slowest = Infinity;
  for (const [name, next] of [['GET clients by email', byEmail], ['POST create', create], ['mixed 3 GET : 1 POST', mixed]]) {
    const { count, failures, latencies } = await phase(pool, next, seconds, concurrency);
    slowest = Math.min(slowest, count / seconds);
    latencies.sort((a, b) => a - b);
    const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]?.toFixed(1);
    console.log(`  ${name.padEnd(22)} ${String(Math.round(count / seconds)).padStart(6)} req/s  p50 ${pct(0.5)} ms  p99 ${pct(0.99)} ms  unexpected answers ${failures}`);
  }
  // The e2e tests and import benchmarks assume the simulator is never the bottleneck below this.
  const TARGET = 2000;
  console.log(`  slowest phase ${Math.round(slowest)} req/s: ${slowest >= TARGET ? 'meets' : 'BELOW'} the ${TARGET} req/s target${slowest >= TARGET ? '' : ' (is the machine busy?)'}`);
  await pool.close();
  await server.stop();
}

async function phase(pool, next, seconds, concurrency) {
  const end = performance.now() + seconds * 1000;
  const latencies = [];
  let count = 0;
  let failures = 0;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      const request = next();
      const res = await pool.request(request);
      await res.body.dump();
      if (res.statusCode !== (request.method === 'POST' ? 201 : 200)) failures += 1;
      latencies.push(performance.now() - started);
      count += 1;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { count, failures, latencies };
}
