// 2. Latency-bound: 50 ms added to every answer, no server limit, --concurrency 16. The bound is
// 16 / 0.05 = 320 requests/s; every row needs one create, and the first row of each client also an
// email search and a read of its existing packages, so rows/s ≤ 320 / (requests per row).
//   node bench/import-latency.mjs [--quick] [--rows 2000]
import { join } from 'node:path';
import { fmt, inTempDir, ratio, runIfMain, sandboxData, timedCliImport, timedImport, verdict, withSandbox, writeImportCsv } from './lib.mjs';

export function benchLatency({ quick = false, rows } = {}) {
  rows ??= quick ? 1000 : 2000;
  const latencyMs = 50;
  const concurrency = 16;
  const bound = concurrency / (latencyMs / 1000);
  return inTempDir(async (dir) => {
    const lines = [`latency-bound: ${latencyMs} ms per answer, no server limit, --concurrency ${concurrency} (no --rate): bound ${bound} requests/s${quick ? ' (quick: fewer rows)' : ''}`];
    const results = {};
    // Two mixes: many rows per client (lookups rare), and 10 rows per client (lookups are 1 request in 6).
    for (const clients of [Math.max(1, Math.round(rows / 100)), Math.round(rows / 10)]) {
      const file = await writeImportCsv(join(dir, `latency-${clients}.csv`), rows, clients);
      // Through the library (runImport timed alone), and through the CLI timed from spawn to exit.
      for (const [how, run] of [['library', timedImport], ['CLI', timedCliImport]]) {
        const r = await withSandbox({ port: 0, latencyMs, data: sandboxData(clients), seed: 1 }, (server) =>
          run({ file, out: join(dir, `latency-${clients}-${how}.results.csv`), server, concurrency }),
        );
        const rowsPerSecond = r.rows / r.seconds;
        const requestsPerSecond = r.requests / r.seconds;
        const perRow = r.requests / r.rows;
        const rowBound = bound / perRow;
        const ok = rowsPerSecond >= 0.9 * bound;
        results[`${clients} ${how}`] = { ...r, rowsPerSecond, requestsPerSecond, perRow, ok };
        lines.push(
          `  ${fmt(rows)} rows over ${fmt(clients)} clients, ${how.padEnd(7)}: ${fmt(r.seconds, 2)} s, ${fmt(rowsPerSecond)} rows/s = ${ratio(rowsPerSecond / bound)} of ${bound} ` +
            `(goal ≥ 0.90: ${verdict(ok)}), ${fmt(requestsPerSecond)} requests/s = ${ratio(requestsPerSecond / bound)} of ${bound}, ` +
            `${fmt(perRow, 3)} requests/row so rows/s can reach at most ${fmt(rowBound)} (${ratio(rowsPerSecond / rowBound)} of that); created ${r.counts.created}/${rows}`,
        );
      }
    }
    return { lines, results };
  });
}

await runIfMain(import.meta, { rows: { type: 'string' } }, (v) => benchLatency({ quick: v.quick, rows: v.rows && Number(v.rows) }));
