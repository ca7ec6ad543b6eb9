// 3. Our own overhead: no latency, no limit, 20,000 rows over 2,000 clients, --rate 100000. Rows/s
// end to end, API calls per row (ideal (2,000 + 2,000 + 20,000) / 20,000 = 1.2, plus the run's 3 of
// the preflight: clients, the package list, the empty create), and
// the sandbox's own throughput on this machine, to show it was not the limit.
//   node bench/import-overhead.mjs [--quick] [--rows 20000] [--clients 2000] [--concurrency 32]
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt, inTempDir, nodeChild, ratio, runIfMain, sandboxData, timedImport, withSandbox, writeImportCsv } from './lib.mjs';

async function sandboxThroughput(seconds) {
  const script = fileURLToPath(new URL('./sandbox-throughput.mjs', import.meta.url));
  const { stdout } = await nodeChild([script, '--seconds', String(seconds), '--concurrency', '32', '--separate']);
  const mixed = /mixed 3 GET : 1 POST\s+(\d+) req\/s/.exec(stdout);
  return mixed ? Number(mixed[1]) : NaN;
}

export function benchOverhead({ quick = false, rows, clients, concurrency = 32 } = {}) {
  rows ??= quick ? 5000 : 20000;
  clients ??= rows / 10;
  return inTempDir(async (dir) => {
    const lines = [`own overhead: no latency, no limit, ${fmt(rows)} rows over ${fmt(clients)} clients, --concurrency ${concurrency}, --rate 100000, sandbox in a worker thread${quick ? ' (quick: fewer rows)' : ''}`];
    const file = await writeImportCsv(join(dir, 'overhead.csv'), rows, clients);
    const { r, created } = await withSandbox({ port: 0, latencyMs: 0, data: sandboxData(clients), seed: 1 }, async (server) => ({
      r: await timedImport({ file, out: join(dir, 'overhead.results.csv'), server, concurrency, rate: 100000 }),
      created: await server.created(),
    }));
    const sandboxRps = await sandboxThroughput(quick ? 2 : 3);
    const rowsPerSecond = r.rows / r.seconds;
    const requestsPerSecond = r.requests / r.seconds;
    const perRow = r.requests / r.rows;
    const ideal = (2 * clients + rows + 3) / rows;
    lines.push(
      `  ${fmt(r.seconds, 2)} s: ${fmt(rowsPerSecond)} rows/s, ${fmt(requestsPerSecond)} requests/s, ${fmt(perRow, 3)} API calls/row (ideal ${fmt(ideal, 3)}: ${ratio(perRow / ideal)}), ` +
        `created ${r.counts.created}/${rows}, sandbox saw ${created.created} creates and ${created.duplicates} duplicates`,
      `  sandbox alone (bench/sandbox-throughput.mjs --separate, mixed phase): ${fmt(sandboxRps)} req/s; the import used ${ratio(requestsPerSecond / sandboxRps)} of it`,
    );
    return { lines, results: { ...r, rowsPerSecond, requestsPerSecond, perRow, ideal, sandboxRps } };
  });
}

await runIfMain(import.meta, { rows: { type: 'string' }, clients: { type: 'string' }, concurrency: { type: 'string' } }, (v) =>
  benchOverhead({ quick: v.quick, rows: v.rows && Number(v.rows), clients: v.clients && Number(v.clients), concurrency: v.concurrency ? Number(v.concurrency) : 32 }),
);
