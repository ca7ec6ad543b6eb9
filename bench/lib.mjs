// Shared by the benches: a sandbox in a worker thread (so client and server each get a core) or in a
// process of its own, generated data and sheets in a temp dir, and child-process runners.
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

export const quickFlag = { quick: { type: 'boolean', default: false } };

export function args(options = {}) {
  return parseArgs({ options: { ...quickFlag, ...options }, allowPositionals: true, strict: false }).values;
}

export function machine() {
  const cpu = cpus();
  return `${cpu.length} cores (${cpu[0]?.model.trim() ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(1)} GiB, Node ${process.version}, ${process.platform}`;
}

export async function tempDir(prefix = 'cp-bench-') {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, remove: () => rm(dir, { recursive: true, force: true }) };
}

export const fmt = (n, digits = 0) => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const ratio = (n) => `${n.toFixed(2)}×`;
export const verdict = (ok) => (ok ? 'MET' : 'MISSED');

/** Runs fn(dir) in a fresh directory under the system's temp dir, removed afterwards. */
export async function inTempDir(fn) {
  const tmp = await tempDir();
  try {
    return await fn(tmp.dir);
  } finally {
    await tmp.remove();
  }
}

/**
 * Runs fn(server) against a fresh sandbox, stopped afterwards: in a worker thread (startSandboxWorker),
 * or with `process: true` in a process of its own (startSandboxProcess).
 */
export async function withSandbox({ process: ownProcess = false, ...options }, fn) {
  const server = await (ownProcess ? startSandboxProcess(options) : startSandboxWorker(options));
  try {
    return await fn(server);
  } finally {
    await server.stop();
  }
}

/** When the bench file is the script node was started with: parse its flags, run it, print its lines. */
export async function runIfMain(meta, options, bench) {
  if (meta.url !== `file://${process.argv[1]}`) return;
  const { lines } = await bench(args(options));
  console.log(lines.join('\n'));
}

/** A sandbox in a worker thread; `stats()` reads its request counts, `created()` how many it created and the duplicates. */
export async function startSandboxWorker(options) {
  const worker = new Worker(new URL('./sandbox-worker.mjs', import.meta.url), { workerData: options });
  const info = await new Promise((resolve, reject) => worker.once('message', resolve).once('error', reject));
  const ask = (what) =>
    new Promise((resolve) => {
      const onMessage = (m) => {
        if (m.reply === (typeof what === 'string' ? what : 'faults')) {
          worker.off('message', onMessage);
          resolve(m.value);
        }
      };
      worker.on('message', onMessage);
      worker.postMessage(what);
    });
  return {
    ...info,
    stats: () => ask('stats'),
    created: () => ask('created'),
    setFaults: (knobs) => ask({ faults: knobs }),
    stop: async () => {
      const done = new Promise((resolve) => worker.once('exit', resolve));
      worker.postMessage('stop');
      await done;
    },
  };
}

const CLI = fileURLToPath(new URL('../dist/bin/client-packages.js', import.meta.url));

/**
 * A sandbox in a process of its own (`client-packages sandbox`), as an independent server is: it
 * shares neither a thread nor an event loop with the client. Same interface as startSandboxWorker,
 * read through the sandbox's /__sandbox/ pages.
 */
export async function startSandboxProcess({ port = 0, latencyMs, rate, data, seed }) {
  const tmp = await tempDir('cp-bench-sandbox-');
  const flags = ['sandbox', '--port', String(port)];
  if (data) {
    await writeFile(join(tmp.dir, 'data.json'), JSON.stringify(data));
    flags.push('--data', join(tmp.dir, 'data.json'));
  }
  if (latencyMs) flags.push('--latency', String(latencyMs));
  if (rate) flags.push('--rate', String(rate));
  if (seed !== undefined) flags.push('--seed', String(seed));
  const child = spawn(process.execPath, [CLI, ...flags], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  let printed;
  try {
    printed = await new Promise((resolve, reject) => {
      let text = '';
      child.stdout.on('data', (d) => {
        text += d;
        if (/Ctrl-C stops it/.test(text)) resolve(text);
      });
      child.once('error', reject);
      child.once('exit', (code) => reject(new Error(`the sandbox exited ${code} before it was ready: ${text}`)));
    });
  } catch (error) {
    child.kill('SIGTERM');
    await tmp.remove();
    throw error;
  }
  const field = (name) => new RegExp(`${name}\\s+(\\S+)`).exec(printed)?.[1];
  const mainUrl = field('main API URL');
  const page = async (path, init) => (await fetch(`${mainUrl}/__sandbox/${path}`, init)).json();
  return {
    mainUrl,
    fallbackUrl: field('fallback API URL'),
    tokens: { staff: field('staff token'), directory: field('directory token') },
    stats: () => page('stats'),
    created: async () => ({ created: (await page('created')).created.length, duplicates: (await page('duplicates')).duplicates.length }),
    setFaults: (knobs) => page('faults', { method: 'POST', body: JSON.stringify(knobs) }),
    stop: async () => {
      child.kill('SIGTERM');
      await exited;
      await tmp.remove();
    },
  };
}

const pad = (i, n = 6) => String(i).padStart(n, '0');

/** Sandbox data with `clients` clients (unique emails) and a few active packages, in the samples/README.md format. */
export function sandboxData(clients) {
  const products = [{ id: 'pd_gym', name: 'Gym access', bookings: 30 }];
  return {
    business_id: 'bz_bench',
    tokens: { staff: 'bench_staff_token', directory: 'bench_directory_token' },
    clients: Array.from({ length: clients }, (_, i) => ({
      id: `cl_b${pad(i)}`,
      email: `client${pad(i)}@bench.example`,
      first_name: 'Client',
      last_name: `N${i}`,
      created_at: '2024-01-01T00:00:00.000Z',
      conversation_ids: [`cv_b${pad(i)}`],
    })),
    packages: Array.from({ length: 12 }, (_, i) => ({
      id: `pk_b${pad(i, 3)}`,
      name: `Bench Package ${i}`,
      price: `${100 + i}.00`,
      currency: 'USD',
      active: true,
      expiration: 1,
      expiration_unit: 'm',
      products,
    })),
  };
}

/** Rows `from`..`rows` of `rows` rows over the first `clients` clients of sandboxData: all distinct (client, package, valid_from), each creates one package. */
export function importRows(rows, clients, from = 0) {
  const out = [];
  for (let i = from; i < rows; i++) {
    const c = i % clients;
    const k = Math.floor(i / clients);
    const p = k % 12;
    const month = String((Math.floor(k / 12) % 12) + 1).padStart(2, '0');
    const year = 2027 + Math.floor(k / 144);
    out.push([`client${pad(c)}@bench.example`, `Bench Package ${p}`, `${year}-${month}-01`, i % 3 === 0 ? `${(i % 50) + 10}.50` : '']);
  }
  return out;
}

export const IMPORT_HEADER = ['Email', 'Package', 'Valid From', 'Price'];

export async function writeImportCsv(path, rows, clients) {
  const body = importRows(rows, clients).map((r) => r.join(',')).join('\n');
  await writeFile(path, `${IMPORT_HEADER.join(',')}\n${body}\n`);
  return path;
}

/**
 * Runs `node args...` to its exit and resolves its exit code and stdout; stderr goes to ours unless
 * `quiet`. A child that cannot be started rejects.
 */
export function nodeChild(args, { env = process.env, quiet = false } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', quiet ? 'ignore' : 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, stdout }));
  });
}

/** Runs `node script args...` and resolves its last stdout line parsed as JSON (the child prints one). */
export async function runChild(script, childArgs, { nodeArgs = [] } = {}) {
  const { code, stdout } = await nodeChild([...nodeArgs, script, ...childArgs]);
  if (code !== 0) throw new Error(`${script} exited ${code}: ${stdout.slice(-500)}`);
  const last = stdout.trim().split('\n').pop();
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(`${script}: no JSON result in ${stdout.slice(-500)}`);
  }
}

/** Peak RSS of this process in bytes (resourceUsage reports kilobytes). */
export const peakRss = () => process.resourceUsage().maxRSS * 1024;
export const mb = (bytes) => `${fmt(bytes / 2 ** 20)} MB`;

/**
 * One import through the CLI, as a person or a script runs it: `client-packages import FILE
 * --concurrency N --json` in a child process, timed from spawn to exit (start-up included).
 */
export async function timedCliImport({ file, out, server, concurrency, rate }) {
  const flags = ['import', file, '--out', out, '--concurrency', String(concurrency), '--json', '--no-progress', ...(rate === undefined ? [] : ['--rate', String(rate)])];
  const env = { ...process.env, PLATFORM_API_URL: server.mainUrl, PLATFORM_FALLBACK_API_URL: server.fallbackUrl, PLATFORM_STAFF_TOKEN: server.tokens.staff };
  const started = performance.now();
  const { code, stdout } = await nodeChild([CLI, ...flags], { env, quiet: true });
  const seconds = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`the CLI exited ${code}: ${stdout.slice(-500)}`);
  const summary = JSON.parse(stdout);
  // The JSON summary leaves out request counts: the server's are taken, as the sandbox was fresh.
  const stats = await server.stats();
  const rateLimited = Object.values(stats.byRoute).reduce((n, byStatus) => n + (byStatus['429'] ?? 0), 0);
  return { seconds, rows: summary.rows, counts: summary.counts, requests: stats.total, rateLimited };
}

/** One import through the library against a running sandbox; time is wall-clock around runImport. */
export async function timedImport({ file, out, server, concurrency, rate }) {
  const { runImport } = await import('../dist/index.js');
  const started = performance.now();
  const result = await runImport({ file, out, apiUrl: server.mainUrl, fallbackUrl: server.fallbackUrl, token: server.tokens.staff, concurrency, ...(rate !== undefined && { rate }) });
  const seconds = (performance.now() - started) / 1000;
  const { counts, rows, options } = result.summary;
  return { seconds, rows, counts, requests: Number(options.requests), rateLimited: Number(options['rate limited (429)']) };
}
